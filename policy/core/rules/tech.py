"""TECH: Direct Remote ID, green light at night, low-speed mode, geo-awareness, the Operator ID in the Remote ID
unit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..types import Severity, Stage
from ..wording import Words
from .base import Assessment

B, W = Severity.BLOCK, Severity.WARN
RID_FIRST_WAVE = ("UK1", "UK2", "UK3", "UK5", "UK6", "C1", "C2", "C3")
GEO_AWARENESS_CLASSES = ("UK1", "UK2", "UK3")


def remote_id_required(a: Assessment) -> tuple[bool, str]:
    s, cls, mass = a.s, a.class_mark, a.mass
    camera = a.plan.aircraft.camera if a.plan.aircraft else True
    day = a.flight_date
    if cls in RID_FIRST_WAVE:
        return day >= s.remote_id_from, f"class {cls} from {s.remote_id_from}"
    if cls in ("UK0", "C0"):
        heavy = mass is not None and mass >= s.remote_id_mass_g
        return day >= s.remote_id_from and camera and heavy, \
            f"camera-equipped {cls} from {s.remote_id_mass_g:.0f} g from {s.remote_id_from}"
    if cls == "UK4":
        return day >= s.remote_id_other_from, f"class UK4 from {s.remote_id_other_from}"
    heavy = mass is None or mass >= s.remote_id_mass_g
    return day >= s.remote_id_other_from and camera and heavy, \
        f"{cls.lower() or 'unclassed'} aircraft from {s.remote_id_mass_g:.0f} g with a camera from {s.remote_id_other_from}"


def _same_id(broadcast: str, registered: str) -> bool:
    """The same Operator ID, ignoring case, spaces and hyphens; one may carry the secret part the other lacks."""
    x, y = (re.sub(r"[^A-Z0-9]", "", v.upper()) for v in (broadcast, registered))
    return bool(x) and bool(y) and (x.startswith(y) or y.startswith(x))


def tech04_geo_awareness(a: Assessment) -> None:
    """TECH-04 (new 2026-12, warn): UK1, UK2 and UK3 aircraft carry geo-awareness, and the remote pilot must keep
    its data current (an offence under SI 2025/1284 otherwise). The data date is recorded in the pre-flight check
    (`aircraft.geo_awareness_data_date`); at the day-of-flight stage a missing date is a warning, and a date older
    than `geo_data_max_age_days` before the flight is one at any stage."""
    craft, s = a.plan.aircraft, a.s
    if craft is None or craft.class_mark not in GEO_AWARENESS_CLASSES:
        return
    facts = {"class_mark": craft.class_mark, "model": craft.model or None}
    if craft.geo_awareness is False:
        a.add("TECH-04", W, f"Class {craft.class_mark} aircraft carry geo-awareness, but this one is recorded "
              "without it (or with it off): check the class mark and switch it on.", **facts)
        return
    data = craft.geo_awareness_data_date
    if data is None:
        if a.ctx.stage == Stage.DAY_OF_FLIGHT:
            a.add("TECH-04", W, "Record the date of the geo-awareness data in the pre-flight check: the remote "
                  "pilot must keep it current (SI 2025/1284).", **facts)
        return
    age = (a.flight_date - data).days
    if age > s.geo_data_max_age_days:
        a.add("TECH-04", W, f"The geo-awareness data is of {data}, {age} days before the flight (the policy asks "
              f"for data no older than {s.geo_data_max_age_days} days): update it before flying.", **facts,
              data_date=data, age_days=age)


def tech05_operator_id_in_remote_id(a: Assessment, required: bool) -> None:
    """TECH-05 (new 2026-12): where TECH-01 requires Direct Remote ID, the operator's Operator ID is loaded into
    the Remote ID unit (it is what the unit broadcasts). Stated as not loaded, or loaded with another ID: block.
    Not stated: a warning asking for it to be confirmed (no supplier record holds it yet)."""
    craft, op = a.plan.aircraft, a.plan.operator
    if craft is None or not required or not craft.remote_id:
        return
    loaded = craft.operator_id_in_remote_id
    facts = {"class_mark": craft.class_mark, "operator_id": op.operator_id or None}
    if loaded is None:
        a.add("TECH-05", W, "Confirm that the Operator ID is loaded into the aircraft's Remote ID unit (required "
              "wherever Remote ID is).", **facts)
    elif not loaded:
        a.add("TECH-05", B, "The Operator ID is not loaded into the aircraft's Remote ID unit; it must be wherever "
              "Remote ID is required.", **facts)
    elif loaded != "held" and op.operator_id and not _same_id(loaded, op.operator_id):
        a.add("TECH-05", B, f"The Remote ID unit broadcasts Operator ID {loaded}, not the operator's "
              f"{op.operator_id}.", **facts, broadcast=loaded)


def check(a: Assessment) -> None:
    craft = a.plan.aircraft
    a.check("TECH-01", "TECH-02", "TECH-03", "TECH-04", "TECH-05")
    if craft is None:
        return
    required, why = remote_id_required(a)
    if required and not craft.remote_id:
        a.add("TECH-01", B, f"Direct Remote ID is required ({why}) and is not fitted or on.", class_mark=craft.class_mark)
    tech05_operator_id_in_remote_id(a, required)
    tech04_geo_awareness(a)
    if a.night and not craft.green_light:
        first = a.night[0]
        a.add("TECH-02", B, "Part of the window is night and the aircraft has no green flashing light.",
              night_from=first[0], night_to=first[1], definition=a.s.night_definition)
    if craft.low_speed_mode and craft.class_mark not in ("UK2", "C2"):
        a.add("TECH-03", B, f"Low-speed mode is claimed for class {craft.class_mark or 'unknown'}; only UK2/C2 "
              f"aircraft have it (about {a.s.low_speed_ms:g} m/s).", class_mark=craft.class_mark)


# ---- the findings in words (policy.core.wording)
def explain(rule: str, ev: Mapping[str, Any], w: Words) -> str:
    """A TECH finding's evidence in one sentence: the aircraft, the night in the window, the data's age."""
    craft = " ".join(x for x in (f"class {ev['class_mark']}" if ev.get("class_mark") else "",
                                 str(ev.get("model") or "")) if x)
    if rule == "TECH-02" and ev.get("night_from"):
        return f"Night falls in the window from {w.when(ev['night_from'])} to {w.when(ev.get('night_to'))}."
    if rule == "TECH-04" and ev.get("data_date"):
        return (f"The geo-awareness data of the {craft or 'aircraft'} is of {w.day(ev['data_date'])}, "
                f"{ev.get('age_days')} days before the flight.")
    if rule == "TECH-05" and ev.get("broadcast"):
        return f"The Remote ID unit broadcasts {ev['broadcast']}; the operator's ID is {ev.get('operator_id')}."
    if rule in ("TECH-01", "TECH-03", "TECH-04", "TECH-05") and craft:
        return f"The aircraft: {craft}."
    return ""
