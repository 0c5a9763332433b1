"""Job kind "detect_hotspots": the hotspot detector over every thermal frame of a survey -> proposed candidates.

Frames are the survey's thermal photos (and any photo) that carry a radiometric frame (DJI R-JPEG raw counts, or a one-band radiometric
TIFF); RGB photos are skipped and counted. Each region becomes a candidate with its outline in frame pixels, its
ground position through the frame's footprint when the photo has one, and its facts: area in pixels, peak and
mean in the frame's units (raw counts: RELATIVE; °C: absolute) and the margin used. Frames that already have
candidates from this detector version are skipped, so a retried job does not propose twice.
`params.margin` (frame units) or `params.margin_sigmas` override the default margin."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from processing.models import Job
from processing.stages import Stage, StageContext

KIND = "detect_hotspots"
LABEL = "Thermal hotspot candidates"


def stages(job: Job) -> list[Stage]:
    return [Stage("detect", 1, detect)]


def _footprint_corners(asset) -> list[tuple[float, float]] | None:
    ring = ((asset.footprint or {}).get("coordinates") or [[]])[0]
    return [(float(x), float(y)) for x, y in ring[:4]] if len(ring) >= 4 else None


def detect(ctx: StageContext) -> None:
    from processing.core.detection._common import DetectionError
    from processing.core.detection.hotspot import (
        NAME,
        VERSION,
        HotspotDetector,
        pixel_to_ground,
        read_thermal_frame,
    )
    from surveys.audit import survey_audit_record

    from ..models import Candidate, CandidateKind

    params = ctx.job.params or {}
    options = {k: float(params[k]) for k in ("margin", "margin_sigmas") if params.get(k) not in (None, "")}
    try:
        detector = HotspotDetector(**options)
    except DetectionError as exc:
        raise DetectionError(f"hotspot parameters: {exc}") from exc
    survey = ctx.job.survey
    photos = list(survey.assets.filter(kind__in=("thermal_photo", "photo")).order_by("id"))
    done = set(Candidate.objects.filter(survey=survey, detector=NAME, detector_version=VERSION)
               .values_list("asset_id", flat=True))
    frames = not_thermal = total = 0
    for i, asset in enumerate(photos):
        ctx.progress(i / max(len(photos), 1), f"frame {i + 1} of {len(photos)}")
        if asset.pk in done:
            continue
        local = ctx.out_dir / f"frame-{asset.pk}{'.tif' if asset.original_name.lower().endswith(('.tif', '.tiff')) else '.jpg'}"
        with asset.file.open("rb") as src:
            local.write_bytes(src.read())
        try:
            frame = read_thermal_frame(local)
        except DetectionError:
            not_thermal += 1
            continue
        finally:
            local.unlink(missing_ok=True)
        frames += 1
        result = detector(frame)
        height, width = frame.values.shape
        corners = _footprint_corners(asset)
        now = timezone.now()
        rows = []
        for spot in result.hotspots[:50]:
            ring = [(float(x), float(y)) for x, y in spot.outline]
            ground = {}
            if corners:  # where it is (the annotation made on acceptance is placed by the inspection work)
                (lon, lat), = pixel_to_ground(corners, width, height, [spot.centroid])
                ground = {"ground_lon": round(lon, 7), "ground_lat": round(lat, 7)}
            rows.append(Candidate(
                survey=survey, asset=asset, kind=CandidateKind.HOTSPOT, detector=NAME, detector_version=VERSION,
                pixel_geometry={"type": "Polygon", "coordinates": [[[round(x, 1), round(y, 1)] for x, y in ring]]},
                score=float(spot.peak_excess), created_at=now,
                facts={"area_px": spot.area_px, "peak": round(spot.peak, 2), "mean": round(spot.mean, 2),
                       "peak_excess": round(spot.peak_excess, 2), "margin": round(result.margin, 2),
                       "units": result.units, "relative": result.relative, **ground}))
        with transaction.atomic():
            Candidate.objects.bulk_create(rows)
            survey_audit_record(survey, "candidates_proposed", by=None, now=now,
                                data={"asset": asset.pk, "detector": NAME, "count": len(rows)})
        total += len(rows)
    if not frames and not_thermal:
        raise DetectionError(f"none of the survey's {not_thermal} photo(s) is a thermal frame (a DJI R-JPEG or a "
                             "radiometric TIFF): no hotspots can be found on RGB photos")
    ctx.log(f"{total} hotspot candidate(s) on {frames} thermal frame(s); {not_thermal} RGB photo(s) skipped")
