"""TECH: Direct Remote ID, green light at night, low-speed mode."""

from __future__ import annotations

from ..types import Severity
from .base import Assessment

B = Severity.BLOCK
RID_FIRST_WAVE = ("UK1", "UK2", "UK3", "UK5", "UK6", "C1", "C2", "C3")


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


def check(a: Assessment) -> None:
    craft = a.plan.aircraft
    a.check("TECH-01", "TECH-02", "TECH-03")
    if craft is None:
        return
    required, why = remote_id_required(a)
    if required and not craft.remote_id:
        a.add("TECH-01", B, f"Direct Remote ID is required ({why}) and is not fitted or on.", class_mark=craft.class_mark)
    if a.night and not craft.green_light:
        first = a.night[0]
        a.add("TECH-02", B, "Part of the window is night and the aircraft has no green flashing light.",
              night_from=first[0], night_to=first[1])
    if craft.low_speed_mode and craft.class_mark not in ("UK2", "C2"):
        a.add("TECH-03", B, f"Low-speed mode is claimed for class {craft.class_mark or 'unknown'}; only UK2/C2 "
              f"aircraft have it (about {a.s.low_speed_ms:g} m/s).", class_mark=craft.class_mark)
