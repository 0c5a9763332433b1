"""Job kind "orthomosaic": the survey's photos -> `build_orthomosaic` -> COG + quality report -> the survey's map.

Options come from `params["options"]`; the survey's latest ground control list (gcp_list.txt) is used unless the
options give `gcps` themselves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage

from processing.core.errors import ImageryError
from processing.models import Job
from processing.stages import Stage, StageContext

from ..models import Asset, AssetKind
from .common import copy_from_storage, map_started, publish_stage

KIND = "orthomosaic"
LABEL = "Orthomosaic from photos"
PHOTO_KINDS = (AssetKind.PHOTO,)


def stages(job: Job) -> list[Stage]:
    return [
        Stage("fetch", 1, fetch_photos),
        Stage("mosaic", 12, build_mosaic),
        Stage("publish", 1, publish_stage("mosaic")),
    ]


def fetch_photos(ctx: StageContext) -> None:
    map_started(ctx)
    assets = list(
        Asset.objects.filter(survey_id=ctx.job.survey_id, kind__in=PHOTO_KINDS).order_by("original_name", "id")
    )
    if len(assets) < 2:
        raise ImageryError(f"survey {ctx.job.survey_id} has {len(assets)} photo(s); an orthomosaic needs at least 2")
    photos = ctx.out_dir / "photos"
    photos.mkdir()
    listing = []
    for index, asset in enumerate(assets):
        suffix = Path(asset.original_name).suffix.lower() or ".jpg"
        target = photos / f"{index:05d}-{asset.pk}{suffix}"
        copy_from_storage(asset.file.name, target, None)
        listing.append({"asset_id": asset.pk, "name": asset.original_name, "file": target.name})
        ctx.progress((index + 1) / len(assets), f"fetched {index + 1}/{len(assets)} photos")
    (ctx.out_dir / "photos.json").write_text(json.dumps(listing))
    control = (Asset.objects.filter(survey_id=ctx.job.survey_id, kind=AssetKind.GROUND_CONTROL)
               .order_by("-created_at", "-id").first())
    if control is not None:
        (ctx.out_dir / "gcp.json").write_text(json.dumps(ground_control(control, listing)))


def ground_control(asset: Asset, listing: list[dict[str, Any]]) -> dict[str, Any]:
    """The survey's latest GCP list as orthomosaic options, photo names mapped to the work copies. A sighting in
    a photo that was not delivered is an error naming the line: control must not be lost silently."""
    from processing.core.gcp import parse_gcp_list

    with default_storage.open(asset.file.name, "rb") as fh:
        text = fh.read().decode("utf-8", errors="replace")
    gcps = parse_gcp_list(text, name=asset.original_name)
    work_name = {item["name"]: item["file"] for item in listing}
    for sighting in gcps.sightings:
        if sighting.photo not in work_name:
            raise ImageryError(f"{asset.original_name} line {sighting.line}: photo {sighting.photo} is not "
                               "among this survey's photos")
    options = gcps.to_options()
    for point in options["gcps"]:
        point["photo"] = work_name[point["photo"]]
    return {"asset_id": asset.pk, "name": asset.original_name, "marks": gcps.marks, "options": options}


def build_mosaic(ctx: StageContext) -> None:
    from processing.core.orthomosaic import (
        build_orthomosaic,  # here: OpenCV and rasterio are slow to import
    )

    fetched = ctx.output_of("fetch")
    listing = json.loads((fetched / "photos.json").read_text())
    photos = [fetched / "photos" / item["file"] for item in listing]
    options = dict(ctx.job.params.get("options") or {})
    control_file = fetched / "gcp.json"
    if control_file.exists() and "gcps" not in options:  # options given with the job win over the delivered file
        options.update(json.loads(control_file.read_text())["options"])
    report = build_orthomosaic(photos, ctx.out_dir, progress=ctx.progress, options=options or None)
    data = json.loads(json.dumps(report.to_json(), default=str))
    rename_photos(data, {item["file"]: item["name"] for item in listing})
    (ctx.out_dir / "report.json").write_text(json.dumps(data))


def rename_photos(data: Any, names: dict[str, str]) -> None:
    """Put the delivered file names back into the report (the work copies have generated names)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and value in names:
                data[key] = names[value]
            else:
                rename_photos(value, names)
    elif isinstance(data, list):
        for item in data:
            rename_photos(item, names)
