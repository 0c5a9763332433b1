"""Videos through a share link: making the link queues the `blur_video` job for each video of what it names; the
job blurs the face in every frame (a real face, NASA's public-domain portrait, moving across the frame) and stores
the WebM once; the link then serves that rendition (with byte ranges, so it seeks), never the original."""

from __future__ import annotations

import io
from datetime import timedelta

import cv2
import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from processing.models import Job
from surveys.services import asset_ingest_file
from tests.factories import make_cast
from tests.surveys.helpers import make_delivery
from viewer.models import BlurredVideo
from viewer.services import share_link_create

pytestmark = pytest.mark.django_db

FRAMES, STEP = 24, 6  # the face moves 6 px a frame


def _moving_face_video(path):
    from skimage.data import astronaut

    face = astronaut()[:, :, ::-1]  # 512 x 512, the face around x 180-270, y 60-180
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), 12, (704, 512))
    for i in range(FRAMES):
        frame = np.full((512, 704, 3), 90, np.uint8)
        frame[:, i * STEP:i * STEP + 512] = face
        writer.write(frame)
    writer.release()
    return path


def _frames(data: bytes, tmp_path) -> list[np.ndarray]:
    path = tmp_path / "got.webm"
    path.write_bytes(data)
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        out.append(frame.astype(np.int16))
    cap.release()
    return out


def test_a_link_plays_the_video_with_the_face_blurred_in_every_frame(tmp_path):
    cast = make_cast()
    survey = make_delivery(cast)
    video = asset_ingest_file(survey=survey, path=_moving_face_video(tmp_path / "DJI_0007.mkv"),
                              original_name="DJI_0007.mkv").asset
    link = share_link_create(by=cast.planner, now=timezone.now(), expires_in=timedelta(days=2),
                             purpose="Committee, 9 Dec", survey=survey)
    job = Job.objects.get(kind="blur_video")
    assert job.params == {"asset": video.pk}
    client = Client()
    assert client.get(f"/s/{link.token}/videos/{video.pk}.webm").status_code == 404  # not ready yet
    call_command("run_jobs", "--burst", "--quiet", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    blurred = BlurredVideo.objects.get(asset=video)
    assert blurred.frames == FRAMES and blurred.faces >= FRAMES // 2

    got = client.get(f"/s/{link.token}/videos/{video.pk}.webm")
    assert got.status_code == 200 and got["Content-Type"] == "video/webm"
    data = b"".join(got.streaming_content)
    with video.file.open("rb") as fh:
        assert data != fh.read()
    part = client.get(f"/s/{link.token}/videos/{video.pk}.webm", HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and len(b"".join(part.streaming_content)) == 100

    from skimage.data import astronaut

    original = astronaut()[:, :, ::-1].astype(np.int16)
    frames = _frames(data, tmp_path)
    assert len(frames) == FRAMES
    for i in (0, FRAMES // 2, FRAMES - 1):  # the eyes, nose and mouth have lost their detail in each frame
        shift = i * STEP
        face = (slice(80, 160), slice(195 + shift, 255 + shift))
        src = original[80:160, 195:255]
        assert np.abs(np.diff(frames[i][face], axis=1)).mean() < 0.5 * np.abs(np.diff(src, axis=1)).mean(), i
        away = (slice(330, 500), slice(20 + shift, 150 + shift))  # the rest of the picture as it was
        assert np.abs(frames[i][away] - original[330:500, 20:150]).mean() < 12, i

    # another link to the same survey does not blur it again
    share_link_create(by=cast.planner, now=timezone.now(), expires_in=timedelta(days=2), purpose="Again",
                      survey=survey)
    assert Job.objects.filter(kind="blur_video").count() == 1
    page = client.get(f"/s/{link.token}/").content.decode()
    assert f"/s/{link.token}/videos/{video.pk}.webm" in page
    assert "DJI_0007" not in page  # no file names through a link
