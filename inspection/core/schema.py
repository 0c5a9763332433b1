"""Inspection schema documents: a service's defect categories and its severity scale, as versioned JSON.

A document (the JSON an administrator edits, stored in `inspection.models.InspectionSchema.document`):

    {"family": "structures", "title": "...", "source": "where the scale comes from",
     "applies_to": {"services": ["Roads"], "purposes": ["structure_inspection"]}, "default": false,
     "categories": [{"code": "corrosion", "label": "Corrosion", "meaning": "..."}],
     "severity": {"name": "Severity", "source": "...",
                  "levels": [{"code": "1", "label": "...", "meaning": "...", "rank": 1, "extents": ["A"]}]},
     "extent": null | {"name": "Extent", "source": "...", "levels": [{"code": "A", "label": "...", "meaning": "..."}]},
     "risk": null | {"source": "...", "impact": [level...], "probability": [level...],
                     "bands": [{"min": 1, "max": 3, "severity": "cat2_low"}]}}

`rank` orders severity levels (1 = least severe); a level's `extents` (optional) limits the extents it may be
recorded with. With `risk`, severity is the band that impact × probability falls in; the bands must cover every
product exactly once. `parse_schema` checks all of it and raises `InspectionError` naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InspectionError

CODE = re.compile(r"^[A-Za-z0-9_]{1,40}$")
MAX_CATEGORIES = 100
MAX_LEVELS = 20


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    meaning: str
    rank: int = 0
    extents: tuple[str, ...] | None = None  # the extents this severity may be recorded with (None: any)


@dataclass(frozen=True)
class Scale:
    name: str
    source: str
    levels: tuple[Level, ...]

    def get(self, code: str) -> Level | None:
        return next((lv for lv in self.levels if lv.code == code), None)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lv.code for lv in self.levels)


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    severity: str


@dataclass(frozen=True)
class RiskMatrix:
    source: str
    impact: tuple[Level, ...]
    probability: tuple[Level, ...]
    bands: tuple[Band, ...]

    def band_for(self, impact: int, probability: int) -> Band:
        score = impact * probability
        return next(b for b in self.bands if b.low <= score <= b.high)  # parse_schema proved coverage


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    meaning: str


@dataclass(frozen=True)
class Schema:
    family: str
    title: str
    source: str
    services: tuple[str, ...]
    purposes: tuple[str, ...]
    default: bool
    categories: tuple[Category, ...]
    severity: Scale
    extent: Scale | None
    risk: RiskMatrix | None

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)


@dataclass(frozen=True)
class Marking:
    """A defect's classification, checked against a schema."""

    category: str
    severity: str
    extent: str
    risk_impact: int | None
    risk_probability: int | None


def _text(doc: Mapping[str, Any], key: str, where: str, *, required: bool = True, limit: int = 4000) -> str:
    value = doc.get(key, "")
    if not isinstance(value, str):
        raise InspectionError(f"{where}.{key}", "must be text")
    value = value.strip()
    if required and not value:
        raise InspectionError(f"{where}.{key}", "is required")
    if len(value) > limit:
        raise InspectionError(f"{where}.{key}", f"may be at most {limit} characters")
    return value


def _code(doc: Mapping[str, Any], where: str) -> str:
    value = doc.get("code")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not CODE.match(value):
        raise InspectionError(f"{where}.code", "must be 1-40 letters, digits or underscores")
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InspectionError(where, "must be an object")
    return value


def _list(value: Any, where: str, *, limit: int) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise InspectionError(where, "must be a non-empty list")
    if len(value) > limit:
        raise InspectionError(where, f"may have at most {limit} entries")
    return value


def _unique(codes: Sequence[str], where: str) -> None:
    seen: set[str] = set()
    for n, code in enumerate(codes):
        if code in seen:
            raise InspectionError(f"{where}[{n}].code", f"{code!r} appears twice")
        seen.add(code)


def _levels(value: Any, where: str, *, ranked: bool) -> tuple[Level, ...]:
    levels = []
    for n, raw in enumerate(_list(value, where, limit=MAX_LEVELS)):
        at = f"{where}[{n}]"
        item = _object(raw, at)
        rank = item.get("rank", 0)
        if ranked and (not isinstance(rank, int) or isinstance(rank, bool) or rank < 1):
            raise InspectionError(f"{at}.rank", "must be a whole number from 1 (least severe)")
        extents = item.get("extents")
        if extents is not None and (not isinstance(extents, list) or not all(isinstance(e, str) for e in extents)):
            raise InspectionError(f"{at}.extents", "must be a list of extent codes")
        levels.append(Level(code=_code(item, at), label=_text(item, "label", at, limit=120),
                            meaning=_text(item, "meaning", at), rank=int(rank) if ranked else 0,
                            extents=tuple(extents) if extents is not None else None))
    _unique([lv.code for lv in levels], where)
    if ranked:
        ranks = [lv.rank for lv in levels]
        if len(set(ranks)) != len(ranks):
            raise InspectionError(f"{where}", "two levels have the same rank")
    return tuple(levels)


def _scale(value: Any, where: str, *, ranked: bool) -> Scale:
    doc = _object(value, where)
    return Scale(name=_text(doc, "name", where, limit=80), source=_text(doc, "source", where),
                 levels=_levels(doc.get("levels"), f"{where}.levels", ranked=ranked))


def _risk(value: Any, severity: Scale) -> RiskMatrix:
    doc = _object(value, "risk")
    impact = _levels(doc.get("impact"), "risk.impact", ranked=False)
    probability = _levels(doc.get("probability"), "risk.probability", ranked=False)
    for name, levels in (("impact", impact), ("probability", probability)):
        if [lv.code for lv in levels] != [str(n) for n in range(1, len(levels) + 1)]:
            raise InspectionError(f"risk.{name}", "codes must be 1, 2, 3, ... in order")
    bands = []
    for n, raw in enumerate(_list(doc.get("bands"), "risk.bands", limit=MAX_LEVELS)):
        at = f"risk.bands[{n}]"
        item = _object(raw, at)
        low, high = item.get("min"), item.get("max")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
            raise InspectionError(at, "min and max must be whole numbers")
        assert isinstance(low, int) and isinstance(high, int)
        if low > high:
            raise InspectionError(at, f"min {low} is above max {high}")
        code = item.get("severity")
        if not isinstance(code, str) or severity.get(code) is None:
            raise InspectionError(f"{at}.severity", f"must be one of {', '.join(severity.codes)}")
        bands.append(Band(low, high, code))
    products = sorted({i * p for i in range(1, len(impact) + 1) for p in range(1, len(probability) + 1)})
    for score in products:
        hits = [b for b in bands if b.low <= score <= b.high]
        if len(hits) != 1:
            raise InspectionError("risk.bands", f"risk score {score} falls in {len(hits)} bands; it must fall in "
                                  "exactly one")
    return RiskMatrix(source=_text(doc, "source", "risk"), impact=impact, probability=probability,
                      bands=tuple(bands))


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InspectionError(where, "must be a list of names")
    return tuple(v.strip() for v in value)


def parse_schema(document: Any) -> Schema:
    """The typed schema of a document; raises `InspectionError` naming the field at fault."""
    doc = _object(document, "document")
    family = doc.get("family")
    if not isinstance(family, str) or not CODE.match(family):
        raise InspectionError("family", "must be 1-40 letters, digits or underscores")
    categories = []
    for n, raw in enumerate(_list(doc.get("categories"), "categories", limit=MAX_CATEGORIES)):
        item = _object(raw, f"categories[{n}]")
        categories.append(Category(code=_code(item, f"categories[{n}]"),
                                   label=_text(item, "label", f"categories[{n}]", limit=120),
                                   meaning=_text(item, "meaning", f"categories[{n}]")))
    _unique([c.code for c in categories], "categories")
    severity = _scale(doc.get("severity"), "severity", ranked=True)
    extent = _scale(doc["extent"], "extent", ranked=False) if doc.get("extent") is not None else None
    for n, level in enumerate(severity.levels):
        if level.extents is None:
            continue
        if extent is None:
            raise InspectionError(f"severity.levels[{n}].extents", "the schema has no extent scale")
        unknown = [e for e in level.extents if extent.get(e) is None]
        if unknown or not level.extents:
            raise InspectionError(f"severity.levels[{n}].extents",
                                  f"must be a non-empty list of {', '.join(extent.codes)}")
    risk = _risk(doc["risk"], severity) if doc.get("risk") is not None else None
    applies = _object(doc.get("applies_to", {}), "applies_to")
    is_default = doc.get("default", False)
    if not isinstance(is_default, bool):
        raise InspectionError("default", "must be true or false")
    return Schema(family=family, title=_text(doc, "title", "document", limit=200),
                  source=_text(doc, "source", "document"),
                  services=_names(applies.get("services"), "applies_to.services"),
                  purposes=_names(applies.get("purposes"), "applies_to.purposes"),
                  default=is_default, categories=tuple(categories), severity=severity, extent=extent, risk=risk)


def _as_code(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _as_risk(value: Any, field: str, levels: tuple[Level, ...]) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= len(levels):
        raise InspectionError(field, f"must be a whole number from 1 to {len(levels)}")
    return value


def check_marking(schema: Schema, *, category: Any, severity: Any = None, extent: Any = None,
                  risk_impact: Any = None, risk_probability: Any = None) -> Marking:
    """`category`, `severity`, `extent` (and for a risk-matrix scale `risk_impact` × `risk_probability`,
    from which severity follows) checked against `schema`; raises `InspectionError` naming the field."""
    cat = _as_code(category)
    if cat is None or schema.category(cat) is None:
        raise InspectionError("category", f"must be one of {', '.join(c.code for c in schema.categories)} "
                              f"({schema.title})")
    impact = probability = None
    sev = _as_code(severity)
    if schema.risk is not None and (risk_impact is not None or risk_probability is not None):
        impact = _as_risk(risk_impact, "risk_impact", schema.risk.impact)
        probability = _as_risk(risk_probability, "risk_probability", schema.risk.probability)
        band = schema.risk.band_for(impact, probability)
        if sev is not None and sev != band.severity:
            raise InspectionError("severity", f"risk {impact} × {probability} = {impact * probability} is "
                                  f"{band.severity}, not {sev}")
        sev = band.severity
    elif risk_impact is not None or risk_probability is not None:
        raise InspectionError("risk_impact", f"{schema.title} has no risk matrix")
    level = schema.severity.get(sev) if sev is not None else None
    if level is None:
        raise InspectionError("severity", f"must be one of {', '.join(schema.severity.codes)} "
                              f"({schema.severity.name})")
    ext = _as_code(extent)
    if schema.extent is None:
        if ext is not None:
            raise InspectionError("extent", f"{schema.title} records no extent")
        ext = ""
    else:
        if ext is None or schema.extent.get(ext) is None:
            raise InspectionError("extent", f"must be one of {', '.join(schema.extent.codes)} ({schema.extent.name})")
        if level.extents is not None and ext not in level.extents:
            raise InspectionError("extent", f"severity {level.code} is recorded with extent "
                                  f"{' or '.join(level.extents)}, not {ext}")
    return Marking(category=cat, severity=level.code, extent=ext, risk_impact=impact, risk_probability=probability)


def select_schema(schemas: Sequence[Schema], *, service: str | None, purpose: str | None) -> Schema | None:
    """The schema for a survey of `service` (the requesting organisation's name) for `purpose`: the one naming
    both, else the one naming the service, else the one naming the purpose, else the one marked default; ties
    go to the first family in alphabetical order."""
    def score(s: Schema) -> int:
        named = {n.casefold() for n in s.services}
        return 2 * bool(service and service.casefold() in named) + bool(purpose and purpose in s.purposes)

    ranked = sorted(schemas, key=lambda s: (-score(s), s.family))
    if ranked and score(ranked[0]) > 0:
        return ranked[0]
    return next((s for s in ranked if s.default), None)
