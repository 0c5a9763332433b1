"""Job kind "blur_video" (registered by `ViewerConfig.ready()`): a survey's video with the faces in every frame
blurred (viewer.core.blur.blur_video), stored once as a `BlurredVideo` for share links to play. Queued when a
share link names a site or survey with videos (viewer.services.share_link_create). `params.asset`: the video."""

from __future__ import annotations

import shutil

from django.conf import settings
from django.utils import timezone

from processing.models import Job
from processing.registry import register
from processing.stages import Stage, StageContext

KIND = "blur_video"
LABEL = "Video with faces blurred, for share links"


def stages(job: Job) -> list[Stage]:
    return [Stage("blur", 1, blur)]


def blur(ctx: StageContext) -> None:
    from surveys.models import Asset

    from . import services
    from .core.blur import blur_video

    asset = Asset.objects.filter(pk=(ctx.job.params or {}).get("asset"), survey=ctx.job.survey, kind="video").first()
    if asset is None:
        raise ValueError(f"params.asset: no video {ctx.job.params.get('asset')!r} in survey {ctx.job.survey_id}")
    if hasattr(asset, "blurred_video"):
        ctx.log("already blurred")
        return
    source = ctx.out_dir / ("original" + (asset.file.name[asset.file.name.rfind("."):] or ".video"))
    with asset.file.open("rb") as src, open(source, "wb") as dst:
        shutil.copyfileobj(src, dst, length=4 * 1024 * 1024)
    ctx.progress(0.05, "blurring faces frame by frame")
    out = ctx.out_dir / "blurred.webm"
    info = blur_video(source, out, settings.FACE_MODEL_PATH,
                      progress=lambda f: ctx.progress(0.05 + 0.9 * f, "blurring faces frame by frame"))
    services.blurred_video_store(asset=asset, path=out, frames=info.frames, faces=info.faces, now=timezone.now())
    source.unlink(missing_ok=True)


def register_job_kinds() -> None:
    register(KIND, stages, label=LABEL, needs_survey=True)
