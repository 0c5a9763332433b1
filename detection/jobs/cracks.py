"""Job kind "detect_cracks": the untrained crack detector over every photo of a survey -> proposed candidates.

Photos that already have candidates from this detector version are skipped, so a retried job does not propose
twice. `params.min_area_px` (default 40) drops smaller regions."""

from __future__ import annotations

from django.utils import timezone

from processing.models import Job
from processing.stages import Stage, StageContext

KIND = "detect_cracks"
LABEL = "Crack candidates"


def stages(job: Job) -> list[Stage]:
    return [Stage("detect", 1, detect)]


def detect(ctx: StageContext) -> None:
    # OpenCV, numpy and the detector load in the worker only (start-up stays light: tests/test_startup.py).
    import cv2
    import numpy as np

    from processing.core.detection.crack import NAME, VERSION, CrackDetector

    from ..models import Candidate
    from ..services import candidates_from_mask

    survey = ctx.job.survey
    min_area = int((ctx.job.params or {}).get("min_area_px", 40))
    photos = list(survey.assets.filter(kind="photo").order_by("id"))
    detector = CrackDetector()
    done = set(Candidate.objects.filter(survey=survey, detector=NAME, detector_version=VERSION)
               .values_list("asset_id", flat=True))
    total = 0
    for i, asset in enumerate(photos):
        ctx.progress(i / max(len(photos), 1), f"photo {i + 1} of {len(photos)}")
        if asset.pk in done:
            continue
        with asset.file.open("rb") as fh:
            img = cv2.imdecode(np.frombuffer(fh.read(), dtype=np.uint8), cv2.IMREAD_COLOR)
        if img is None:
            ctx.log(f"{asset.original_name}: not decodable, skipped")
            continue
        result = detector(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
        made = candidates_from_mask(survey=survey, asset=asset, kind="crack", detector=NAME, version=VERSION,
                                    mask=result.mask, now=timezone.now(), min_area_px=min_area)
        total += len(made)
    ctx.log(f"{total} crack candidate(s) proposed on {len(photos)} photo(s)")
