"""Job kind "cog": a delivered orthophoto GeoTIFF -> validated COG -> the survey's map.

`params["asset_id"]` names the asset (default: the survey's largest orthophoto), in any CRS; every block is
decoded while validating (`processing.core.geotiff.read_raster_facts`), then written as a COG
(`processing.core.cog.to_cog`).
"""

from __future__ import annotations

import json

from processing.core.errors import ImageryError
from processing.models import Job
from processing.stages import Stage, StageContext

from ..models import Asset, AssetKind
from .common import copy_from_storage, map_started, publish_stage

KIND = "cog"
LABEL = "Delivered orthophoto to COG"


def stages(job: Job) -> list[Stage]:
    return [
        Stage("fetch", 1, fetch),
        Stage("validate", 1, validate),
        Stage("convert", 6, convert),
        Stage("publish", 2, publish_stage("convert")),
    ]


def orthophoto_asset(job: Job) -> Asset:
    assets = Asset.objects.filter(survey_id=job.survey_id, kind=AssetKind.ORTHOPHOTO)
    asset_id = job.params.get("asset_id")
    if asset_id:
        asset = assets.filter(id=asset_id).first()
        if asset is None:
            raise ImageryError(f"asset {asset_id} is not an orthophoto of survey {job.survey_id}")
        return asset
    asset = assets.order_by("-size", "-id").first()
    if asset is None:
        raise ImageryError(f"survey {job.survey_id} has no orthophoto GeoTIFF asset")
    return asset


def fetch(ctx: StageContext) -> None:
    map_started(ctx)
    asset = orthophoto_asset(ctx.job)
    copy_from_storage(asset.file.name, ctx.out_dir / "input.tif", ctx.progress)
    (ctx.out_dir / "asset.json").write_text(json.dumps({"asset_id": asset.pk, "name": asset.original_name}))
    ctx.log(f"fetched {asset.original_name} ({asset.size} bytes)")


def validate(ctx: StageContext) -> None:
    from processing.core.geotiff import read_raster_facts  # here: rasterio is slow to import

    src = ctx.output_of("fetch") / "input.tif"
    name = json.loads((ctx.output_of("fetch") / "asset.json").read_text())["name"]
    try:
        facts = read_raster_facts(src, check_pixels=True)
    except ImageryError as exc:
        raise ImageryError(f"{name}: {exc}") from exc
    if not facts.crs:
        raise ImageryError(f"{name}: the GeoTIFF has no coordinate reference system, so it cannot be placed on a map")
    if facts.count not in (1, 2, 3, 4):
        raise ImageryError(f"{name}: {facts.count} bands; an orthophoto has 1 (grey) or 3 (RGB), plus alpha")
    (ctx.out_dir / "facts.json").write_text(json.dumps(facts.to_json()))
    ctx.log(f"{name}: {facts.width}x{facts.height} px, {facts.count} bands, {facts.crs}")


def convert(ctx: StageContext) -> None:
    from processing.core.cog import to_cog  # here: rasterio is slow to import

    src = ctx.output_of("fetch") / "input.tif"
    ctx.progress(0.1, "writing the cloud-optimised GeoTIFF")
    to_cog(src, ctx.out_dir / "orthophoto.tif")
    facts = json.loads((ctx.output_of("validate") / "facts.json").read_text())
    report = {"source": "delivered", "input": facts}
    (ctx.out_dir / "report.json").write_text(json.dumps(report))
