"""Share links (a read-only view of one site or one survey for people without an account), the record of every
view through one, and the blurred copy of each photo that links serve instead of the original."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ShareLink(models.Model):
    """A secret URL `SITE_URL/s/<token>/` naming exactly one site or one survey; read-only, expiring, optionally
    behind a passcode, revocable. Created and revoked through viewer.services only."""

    token = models.CharField(max_length=64, unique=True)
    site = models.ForeignKey("surveys.Site", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="share_links")
    survey = models.ForeignKey("surveys.Survey", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="share_links")
    purpose = models.CharField(max_length=300, help_text="why the link was made and for whom")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    passcode_hash = models.CharField(max_length=200, blank=True, help_text="Django password hash; empty: none")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(site__isnull=False, survey__isnull=True) | Q(site__isnull=True, survey__isnull=False)),
                name="share_link_names_one_site_or_one_survey"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="share_link_expires_after_creation"),
        ]

    def __str__(self) -> str:
        return f"share link {self.pk} ({self.site or self.survey})"

    @property
    def names(self) -> str:
        return f"site {self.site_id}" if self.site_id else f"survey {self.survey_id}"


class ShareLinkView(models.Model):
    """One view through a link: when, from which address, what was opened (append-only)."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="views")
    viewed_at = models.DateTimeField()
    address = models.GenericIPAddressField(null=True, blank=True)
    what = models.CharField(max_length=40, help_text="page, passcode, tilejson, wmts, photo, dzi, defects")
    path = models.CharField(max_length=500)
    outcome = models.CharField(max_length=16, default="ok", help_text="ok, expired, revoked, wrong-passcode")

    class Meta:
        ordering = ["-viewed_at", "-id"]


class BlurredPhoto(models.Model):
    """A photo with the faces found in it blurred: rendered once per asset and stored; share links serve this,
    never the original."""

    asset = models.OneToOneField("surveys.Asset", on_delete=models.CASCADE, related_name="blurred")
    file = models.FileField(upload_to="viewer/blurred/", max_length=300)
    faces = models.PositiveIntegerField(help_text="regions blurred")
    regions = models.JSONField(default=list, help_text="[x0, y0, x1, y1, score] per blurred region, in pixels")
    detector = models.CharField(max_length=80)
    created_at = models.DateTimeField()


class BlurredVideo(models.Model):
    """A video with the faces in its frames blurred (WebM): rendered once per asset by the `blur_video` job
    and stored; share links play this, never the original."""

    asset = models.OneToOneField("surveys.Asset", on_delete=models.CASCADE, related_name="blurred_video")
    file = models.FileField(upload_to="viewer/blurred/", max_length=300)
    frames = models.PositiveIntegerField()
    faces = models.PositiveIntegerField(help_text="face detections over the frames looked at")
    detector = models.CharField(max_length=80)
    created_at = models.DateTimeField()
