"""Writes: share links made and revoked (each in the audit trail), views through a link recorded, and the
blurred copy of a photo rendered once and stored."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from accounts.roles import OFFICER_ROLES, READ_ALL_SURVEYS_ROLES, is_admin, role_of
from surveys.audit import survey_audit_record
from surveys.models import Asset, Site, Survey

from .models import BlurredPhoto, BlurredVideo, ShareLink, ShareLinkView


class ShareLinkError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """'36h', '14d', '2w' -> timedelta; anything else is a ShareLinkError."""
    match = _DURATION.match(str(text or "").lower())
    if not match or int(match.group(1)) == 0:
        raise ShareLinkError(f"{text!r} is not a duration: write a whole number and h, d or w (e.g. 14d)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def can_share(user: Any) -> bool:
    """Officers and planners make share links."""
    return is_admin(user) or role_of(user) in READ_ALL_SURVEYS_ROLES


def can_revoke(user: Any, link: ShareLink) -> bool:
    """Officers revoke any link; a planner the links they made."""
    return is_admin(user) or role_of(user) in OFFICER_ROLES or (can_share(user) and link.created_by_id == user.pk)


def _audit(link: ShareLink, action: str, *, by: Any, now: datetime, data: dict[str, Any]) -> None:
    surveys = [link.survey] if link.survey_id else list(link.site.surveys.select_related("flight_request"))
    for survey in surveys:
        survey_audit_record(survey, action, by=by, now=now, data={"share_link": link.pk, **data})


def share_link_create(*, by: Any, now: datetime, expires_in: timedelta, purpose: str, site: Site | None = None,
                      survey: Survey | None = None, passcode: str = "") -> ShareLink:
    """A new link for exactly one site or one survey. The expiry is required and at most SHARE_LINK_MAX_DAYS."""
    if not can_share(by):
        raise ShareLinkError("Only officers and planners make share links.")
    if (site is None) == (survey is None):
        raise ShareLinkError("A share link names exactly one site or one survey.")
    purpose = (purpose or "").strip()
    if not purpose:
        raise ShareLinkError("Say what the link is for and for whom (the purpose).")
    if len(purpose) > 300:
        raise ShareLinkError("The purpose is at most 300 characters.")
    maximum = timedelta(days=settings.SHARE_LINK_MAX_DAYS)
    if expires_in <= timedelta(0):
        raise ShareLinkError("The link must expire in the future.")
    if expires_in > maximum:
        raise ShareLinkError(f"A share link lasts at most {settings.SHARE_LINK_MAX_DAYS} days.")
    if passcode and len(passcode) < 6:
        raise ShareLinkError("A passcode has at least 6 characters.")
    with transaction.atomic():
        link = ShareLink.objects.create(
            token=secrets.token_urlsafe(24), site=site, survey=survey, purpose=purpose, created_by=by,
            created_at=now, expires_at=now + expires_in, passcode_hash=make_password(passcode) if passcode else "")
        _audit(link, "share_link_created", by=by, now=now,
               data={"names": link.names, "purpose": purpose, "expires_at": link.expires_at.isoformat(),
                     "passcode": bool(passcode)})
        # exactly the surveys the link shows (viewer.selectors.link_surveys: a site's delivered ones)
        shown = ("delivered", "flagged", "accepted", "returned")
        videos_blur_queue(surveys=[survey] if survey is not None else list(site.surveys.filter(status__in=shown)))
    return link


def videos_blur_queue(*, surveys: list[Survey]) -> list[Any]:
    """Queue the `blur_video` job for each video of `surveys` that has no blurred copy and no job on the way
    (a link can then play it); the jobs run after the surrounding transaction commits."""
    from processing.models import Job, JobState
    from processing.services import enqueue_job

    jobs = []
    videos = Asset.objects.filter(survey__in=surveys, kind="video", blurred_video__isnull=True)
    waiting = {j.params.get("asset") for j in Job.objects.filter(
        kind="blur_video", survey__in=surveys, state__in=(JobState.PENDING, JobState.RUNNING))}
    for video in videos:
        if video.pk not in waiting:
            jobs.append(enqueue_job(kind="blur_video", survey=video.survey, params={"asset": video.pk}))
    return jobs


def blurred_video_store(*, asset: Asset, path: Any, frames: int, faces: int, now: datetime) -> BlurredVideo:
    """Keep the blurred rendition of a video (a job made it); a second one for the same asset is dropped."""
    from django.core.files import File

    from .core.blur import DETECTOR_NAME

    existing = BlurredVideo.objects.filter(asset=asset).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic(), open(path, "rb") as fh:
            row = BlurredVideo(asset=asset, frames=frames, faces=faces, detector=DETECTOR_NAME, created_at=now)
            row.file.save(f"asset-{asset.pk}.webm", File(fh), save=False)
            row.save()
    except IntegrityError:
        return BlurredVideo.objects.get(asset=asset)
    return row


def share_link_revoke(*, link: ShareLink, by: Any, now: datetime) -> ShareLink:
    if not can_revoke(by, link):
        raise ShareLinkError("Only officers, or the planner who made it, revoke a share link.")
    with transaction.atomic():
        link = ShareLink.objects.select_for_update().get(pk=link.pk)
        if link.revoked_at is not None:
            raise ShareLinkError(f"Share link {link.pk} was already revoked.")
        link.revoked_at, link.revoked_by = now, by
        link.save(update_fields=["revoked_at", "revoked_by"])
        _audit(link, "share_link_revoked", by=by, now=now, data={"names": link.names})
    return link


def passcode_matches(link: ShareLink, passcode: str) -> bool:
    return bool(link.passcode_hash) and check_password(passcode or "", link.passcode_hash)


def view_record(*, link: ShareLink, now: datetime, address: str | None, what: str, path: str,
                outcome: str = "ok") -> None:
    ShareLinkView.objects.create(link=link, viewed_at=now, address=address or None, what=what[:40],
                                 path=path[:500], outcome=outcome)


def blurred_photo(*, asset: Asset, now: datetime) -> BlurredPhoto:
    """The stored blurred copy of the photo, rendered on first need (once per asset)."""
    existing = BlurredPhoto.objects.filter(asset=asset).first()
    if existing is not None:
        return existing
    import cv2
    import numpy as np

    from .core.blur import DETECTOR_NAME, blur_faces

    if asset.kind == "video":  # its poster frame, blurred like a photo
        from surveys.previews import still_bytes

        data = np.frombuffer(still_bytes(asset), np.uint8)
    else:
        with asset.file.open("rb") as fh:
            data = np.frombuffer(fh.read(), np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ShareLinkError("This file is not a photo that can be shown.")
    blurred, boxes = blur_faces(np.ascontiguousarray(bgr[:, :, ::-1]), settings.FACE_MODEL_PATH)
    ok, encoded = cv2.imencode(".jpg", np.ascontiguousarray(blurred[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise ShareLinkError("The blurred photo could not be encoded.")
    try:
        with transaction.atomic():
            row = BlurredPhoto(asset=asset, faces=len(boxes), detector=DETECTOR_NAME, created_at=now,
                               regions=[[round(b.x0), round(b.y0), round(b.x1), round(b.y1), round(b.score, 3)]
                                        for b in boxes])
            row.file.save(f"asset-{asset.pk}.jpg", ContentFile(encoded.tobytes()), save=False)
            row.save()
    except IntegrityError:  # rendered at the same time by another request: keep theirs
        return BlurredPhoto.objects.get(asset=asset)
    return row
