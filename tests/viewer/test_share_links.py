"""Share links: made by officers and planners with a purpose and an expiry (at most SHARE_LINK_MAX_DAYS), open
exactly what they name, ask for a passcode when set, answer 410 once expired or revoked, record every view, and
never give the API or an original photo; faces in photos seen through a link are blurred."""

from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from booking.models import AuditEvent
from viewer import services
from viewer.models import BlurredPhoto, ShareLink, ShareLinkView

pytestmark = pytest.mark.django_db


def _link(world, **kw):
    names = kw.pop("names", {"site": world["site"]})
    return services.share_link_create(by=kw.pop("by", world["cast"].planner), now=timezone.now(),
                                      expires_in=kw.pop("expires_in", timedelta(days=14)),
                                      purpose=kw.pop("purpose", "Planning committee 12 May"), **names, **kw)


def test_who_may_make_a_link_and_for_how_long(site_world, settings):
    cast = site_world["cast"]
    for user in (cast.requester, cast.contractor):
        with pytest.raises(services.ShareLinkError, match="officers and planners"):
            _link(site_world, by=user)
    settings.SHARE_LINK_MAX_DAYS = 30
    with pytest.raises(services.ShareLinkError, match="at most 30 days"):
        _link(site_world, expires_in=timedelta(days=31))
    with pytest.raises(services.ShareLinkError, match="purpose"):
        _link(site_world, purpose="  ")
    with pytest.raises(services.ShareLinkError, match="exactly one"):
        _link(site_world, names={"site": site_world["site"], "survey": site_world["first"]})
    assert ShareLink.objects.count() == 0
    link = _link(site_world, by=cast.policy_officer, expires_in=timedelta(days=30))
    assert AuditEvent.objects.filter(action="share_link_created").count() == 2  # one per survey of the site
    assert link.expires_at - link.created_at == timedelta(days=30)
    with pytest.raises(services.ShareLinkError, match="not a duration"):
        services.parse_duration("soon")
    assert services.parse_duration("36h") == timedelta(hours=36)


def test_the_command_makes_lists_and_revokes(site_world, settings):
    settings.SITE_URL = "https://surveys.example.gov.uk"
    out = io.StringIO()
    call_command("share_link", "create", "--survey", str(site_world["first"].pk), "--expires-in", "2w",
                 "--purpose", "Harbour board", "--by", site_world["cast"].planner.username, stdout=out)
    url = out.getvalue().strip()
    link = ShareLink.objects.get()
    assert url == f"https://surveys.example.gov.uk/s/{link.token}/"
    out = io.StringIO()
    call_command("share_link", "list", stdout=out)
    assert f"{link.pk}\tok\tsurvey {site_world['first'].pk}" in out.getvalue()
    with pytest.raises(CommandError, match="at most"):
        call_command("share_link", "create", "--site", str(site_world["site"].pk), "--expires-in", "400d",
                     "--by", site_world["cast"].planner.username, stdout=io.StringIO())
    call_command("share_link", "revoke", url, "--by", site_world["cast"].policy_officer.username,
                 stdout=io.StringIO())
    assert Client().get(f"/s/{link.token}/").status_code == 410


def test_a_link_opens_exactly_what_it_names(site_world):
    world, client = site_world, Client()
    link = _link(world)
    page = client.get(f"/s/{link.token}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert world["site"].name in text and "Planning committee 12 May" in text
    assert f'data-survey="{world["first"].pk}"' in text and f'data-survey="{world["second"].pk}"' in text
    assert world["other"].site.name not in text
    # the GIS endpoints of its surveys, and nothing of another site
    assert client.get(f"/s/{link.token}/surveys/{world['first'].pk}/tilejson.json").status_code == 200
    tj = client.get(f"/s/{link.token}/surveys/{world['first'].pk}/tilejson.json").json()
    assert tj["tiles"][0].startswith(f"http://testserver/s/{link.token}/surveys/{world['first'].pk}/tiles/")
    for path in ("tilejson.json", "wmts.xml", "map.json", "defects.geojson", "tiles/18/0/0.png"):
        assert client.get(f"/s/{link.token}/surveys/{world['other'].pk}/{path}").status_code == 404, path
    assert client.get(f"/s/{link.token}/photos/{world['photo'].pk}.jpg").status_code == 200
    # a link to one survey does not open its site's other survey
    one = _link(world, names={"survey": world["first"]})
    assert client.get(f"/s/{one.token}/surveys/{world['second'].pk}/tilejson.json").status_code == 404
    assert client.get(f"/s/{one.token}/photos/{world['photo'].pk}.jpg").status_code == 404
    # no account comes with it: the API, the signed-in pages and the original files stay closed
    assert client.get("/api/v1/surveys/").status_code in {401, 403}
    assert client.get(f"/api/v1/surveys/{world['first'].pk}/wmts.xml").status_code in {401, 403}
    assert client.get(f"/files/{world['photo'].pk}/download/").status_code == 302  # to the login page
    assert client.get(f"/sites/{world['site'].pk}/").status_code == 302
    assert client.get("/s/not-a-token/").status_code == 404
    # every view is recorded: when, from where, what
    views = ShareLinkView.objects.filter(link=link)
    assert {"page", "tilejson", "photo"} <= set(views.values_list("what", flat=True))
    assert views.filter(address="127.0.0.1").exists()


def test_expired_and_revoked_links_answer_410(site_world):
    world, client = site_world, Client()
    link = _link(world)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1),
                                                created_at=timezone.now() - timedelta(days=2))
    assert client.get(f"/s/{link.token}/").status_code == 410
    assert client.get(f"/s/{link.token}/surveys/{world['first'].pk}/wmts.xml").status_code == 410
    live = _link(world)
    assert client.get(f"/s/{live.token}/surveys/{world['first'].pk}/tiles/18/0/0.png").status_code in {200, 404}
    with pytest.raises(services.ShareLinkError, match="Only officers"):
        services.share_link_revoke(link=live, by=world["cast"].requester, now=timezone.now())
    services.share_link_revoke(link=live, by=world["cast"].policy_officer, now=timezone.now())
    for path in ("", f"surveys/{world['first'].pk}/tilejson.json", f"photos/{world['photo'].pk}.jpg"):
        assert client.get(f"/s/{live.token}/{path}").status_code == 410, path
    assert ShareLinkView.objects.filter(link=live, outcome="revoked").count() == 3


def test_a_passcode_is_asked_for_and_unlocks_only_this_session(site_world):
    world = site_world
    link = _link(world, passcode="harbour-2026")
    client = Client()
    form = client.get(f"/s/{link.token}/")
    assert form.status_code == 200 and 'name="passcode"' in form.content.decode()
    assert world["site"].name not in form.content.decode().split("<main>")[1]
    assert client.get(f"/s/{link.token}/surveys/{world['first'].pk}/tilejson.json").status_code == 403
    wrong = client.post(f"/s/{link.token}/", {"passcode": "guess"})
    assert wrong.status_code == 403 and "not right" in wrong.content.decode()
    right = client.post(f"/s/{link.token}/", {"passcode": "harbour-2026"})
    assert right.status_code == 302
    assert world["site"].name in client.get(f"/s/{link.token}/").content.decode()
    assert client.get(f"/s/{link.token}/surveys/{world['first'].pk}/tilejson.json").status_code == 200
    assert Client().get(f"/s/{link.token}/surveys/{world['first'].pk}/tilejson.json").status_code == 403
    assert ShareLinkView.objects.filter(link=link, outcome="wrong-passcode").count() == 1


def _decode(body: bytes) -> np.ndarray:
    import cv2

    return cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]


def test_a_face_is_blurred_in_what_the_link_serves_and_rendered_once(site_world):
    """NASA's public-domain portrait (skimage.data.astronaut): the face, around x 180-270, y 60-180 of the
    512x512 image, is found, and what the link sends differs there from the original; elsewhere it is the same
    picture (up to JPEG re-encoding)."""
    from skimage.data import astronaut

    world, client = site_world, Client()
    link = _link(world)
    original = astronaut().astype(np.int16)
    served = _decode(b"".join(client.get(f"/s/{link.token}/photos/{world['photo'].pk}.jpg").streaming_content))
    served = served.astype(np.int16)
    blurred = BlurredPhoto.objects.get(asset=world["photo"])
    assert blurred.faces >= 1 and blurred.detector == "centerface-onnx"
    x0, y0, x1, y1, score = blurred.regions[0]
    assert 150 < x0 < 220 and 30 < y0 < 100 and 230 < x1 < 300 and 140 < y1 < 220 and score > 0.5
    face = (slice(80, 160), slice(195, 255))  # eyes, nose and mouth
    assert np.abs(served[face] - original[face]).mean() > 12
    # the fine detail of the face is gone: far less local variation than in the original
    assert np.abs(np.diff(served[face], axis=1)).mean() < 0.5 * np.abs(np.diff(original[face], axis=1)).mean()
    away = (slice(300, 500), slice(0, 150))
    assert np.abs(served[away] - original[away]).mean() < 4
    # rendered once: the second view reuses the stored copy
    client.get(f"/s/{link.token}/photos/{world['photo'].pk}.jpg")
    assert BlurredPhoto.objects.count() == 1
    # the original file, through any path of the link, is not what it sends
    with world["photo"].file.open("rb") as fh:
        original_bytes = fh.read()
    again = b"".join(client.get(f"/s/{link.token}/photos/{world['photo'].pk}.jpg").streaming_content)
    assert again != original_bytes


def test_no_model_means_no_photo_never_the_original(site_world, settings, tmp_path):
    settings.FACE_MODEL_PATH = tmp_path / "missing.onnx"
    from viewer.core import blur

    blur._sessions.clear()
    link = _link(site_world)
    assert Client().get(f"/s/{link.token}/photos/{site_world['photo'].pk}.jpg").status_code == 404
    assert not BlurredPhoto.objects.exists()
