"""An inspection report in its three forms from one document: JSON (the document), HTML (Django template
`inspection/report.html`, self-contained: figures as data URIs, its CSS inline) and PDF (WeasyPrint from that
HTML). The figures come from our own data: the stored originals (annotated crops) and the survey's orthophoto
COG (overview and insets). No writes here: `inspection.services` stores the versions."""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from surveys.models import Survey

from .core.errors import InspectionError
from .selectors import annotations_fingerprint, report_inputs

BASIS = {"map": "marked on the map", "mosaic": "projected through the photo's place in the orthomosaic",
         "pose": "projected through the camera pose: metres out"}
SIGNOFF_START, SIGNOFF_END = "<!--signoff-->", "<!--/signoff-->"


@dataclass
class RenderedReport:
    document: dict[str, Any]
    fingerprint: str
    json_text: str
    html: str
    pdf: bytes


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _css_index(rank: int, top: int) -> int:
    if top <= 1:
        return 4
    return round((max(1, min(rank, top)) - 1) / (top - 1) * 4)


@contextmanager
def _local_copy(name: str):
    """A local path of a stored file (the file itself on disk storage, else a temporary copy)."""
    try:
        yield default_storage.path(name)
        return
    except NotImplementedError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / Path(name).name
        with default_storage.open(name, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        yield str(target)


def _figures(survey: Survey, document: dict[str, Any], inputs: Any, top: int) -> tuple[str | None, dict]:
    from .core.report_figures import (
        Marker,
        Orthophoto,
        annotated_crop,
        decode_photo,
        severity_colour,
    )

    per_defect: dict[int, dict[str, str]] = {d["number"]: {} for d in document["defects"]}
    photos: dict[int, Any] = {}

    def by_photo(d: dict[str, Any]) -> tuple[int, int]:
        asset = inputs.photos.get(d["annotation_id"])
        return (asset.pk if asset is not None else 0, d["number"])

    for d in sorted(document["defects"], key=by_photo):  # each photo decoded once, one held at a time
        out = per_defect[d["number"]]
        asset = inputs.photos.get(d["annotation_id"])
        if asset is not None and d.get("pixel_geometry"):
            if asset.pk not in photos:
                with default_storage.open(asset.file.name, "rb") as fh:
                    photos = {asset.pk: decode_photo(fh.read(), asset.original_name)}
            out["crop"] = _data_uri(annotated_crop(photos[asset.pk], d["pixel_geometry"],
                                                   colour=severity_colour(d["severity_rank"], top),
                                                   label=str(d["number"])))
    overview = None
    if survey.orthophoto:
        markers = [Marker(d["number"], d["location"]["lon"], d["location"]["lat"],
                          severity_colour(d["severity_rank"], top), inputs.ground.get(d["annotation_id"]))
                   for d in document["defects"] if d.get("location")]
        with _local_copy(survey.orthophoto.name) as path, Orthophoto(path) as ortho:
            overview = _data_uri(ortho.overview(markers))
            for m in markers:
                per_defect[m.number]["inset"] = _data_uri(ortho.inset(m))
    return overview, per_defect


def signoff_context(*, inspector: str | None, reviewer: str | None, date: str | None) -> dict[str, Any]:
    return {"inspector": inspector, "reviewer": reviewer, "date": date}


def render_report(survey: Survey, *, version: int | None = None, generated_at: str | None = None,
                  inspector: str | None = None, tolerance_m: float | None = None) -> RenderedReport:
    """The report of the survey's annotations as they are now. Refuses a survey without annotations."""
    from weasyprint import HTML

    from .core.report import DEFAULT_TOLERANCE_M, build_report

    fingerprint = annotations_fingerprint(survey=survey)
    inputs = report_inputs(survey=survey)
    if not inputs.defects:
        raise InspectionError("annotations", f"survey {survey.pk} has no annotations to report")
    document = build_report(inputs.facts, inputs.defects, previous=inputs.previous,
                            tolerance_m=tolerance_m or DEFAULT_TOLERANCE_M, generated_at=generated_at,
                            version=version)
    document["fingerprint"] = fingerprint
    document["sign_off"] = signoff_context(inspector=inspector, reviewer=None, date=None)
    levels = document["cover"]["severity_levels"]
    top = max([lv["rank"] for lv in levels] + [d["severity_rank"] for d in document["defects"]] + [1])
    overview, per_defect = _figures(survey, document, inputs, top)
    defects = [{**d, **per_defect.get(d["number"], {}), "css": _css_index(d["severity_rank"], top),
                "basis_text": BASIS.get((d.get("location") or {}).get("basis") or "", "")}
               for d in document["defects"]]
    cats = [c["code"] for c in document["summary"]["categories"]]
    rows = [{"severity": r["severity"], "label": r["label"], "total": r["total"],
             "cells": [r["counts"][c] for c in cats]} for r in document["summary"]["rows"]]
    key = [{**lv, "css": _css_index(lv["rank"], top)} for lv in sorted(levels, key=lambda lv: -lv["rank"])]
    html = render_to_string("inspection/report.html", {
        "doc": document, "defects": defects, "summary_rows": rows, "severity_key": key,
        "figures": {"overview": overview}, "signoff": document["sign_off"]})
    pdf = HTML(string=html).write_pdf()
    return RenderedReport(document, fingerprint, json.dumps(document, indent=1, default=str), html, pdf)


def with_signoff(html: str, signoff: dict[str, Any]) -> tuple[str, bytes]:
    """The stored HTML with its sign-off block completed, and its PDF (the rest of the report is unchanged)."""
    from weasyprint import HTML

    start, end = html.find(SIGNOFF_START), html.find(SIGNOFF_END)
    if start < 0 or end < start:
        raise InspectionError("report", "the stored HTML has no sign-off block")
    block = render_to_string("inspection/report_signoff.html", {"signoff": signoff})
    new = html[:start + len(SIGNOFF_START)] + block + html[end:]
    return new, HTML(string=new).write_pdf()
