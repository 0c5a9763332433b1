"""CAT: operating category, mass, height, range, separations, authorisation limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types import Severity
from ..wording import Words
from ..zones import ZoneKind
from .base import OPEN, SPECIFIC, Assessment

B = Severity.BLOCK
SPECIFIC_ONLY = ("UK5", "UK6")


def a1_eligible(a: Assessment) -> tuple[bool, str]:
    """CAT-06 (revised 2026-12): UK0, UK1, C0, anything under 250 g, C1 until the C-class cutoff. A legacy
    (unmarked) drone under 250 g qualifies only when placed on the market before `a1_legacy_market_cutoff`
    while `a1_legacy_market_date_applies` (the CAA's pages give no market date: unverified, the stricter reading
    by default). UK5 and UK6 are Specific only."""
    s, mass, cls = a.s, a.mass, a.class_mark
    if cls in SPECIFIC_ONLY:
        return False, f"class {cls} is Specific only"
    if mass is not None and mass < s.a1_any_below_g:
        return True, f"under {s.a1_any_below_g:.0f} g"
    if cls in ("UK0", "UK1", "C0"):
        return True, f"class {cls}"
    if cls == "C1" and a.end_date <= s.c_class_accepted_until:
        return True, f"class {cls} (accepted until {s.c_class_accepted_until})"
    if mass is not None and mass < s.a1_legacy_max_mass_g:
        if cls not in ("LEGACY", "") or not s.a1_legacy_market_date_applies:
            return True, f"{cls.lower() or 'unclassed'} aircraft under {s.a1_legacy_max_mass_g:.0f} g"
        placed = a.plan.aircraft.placed_on_market if a.plan.aircraft else None
        if placed and placed < s.a1_legacy_market_cutoff:
            return True, f"legacy under {s.a1_legacy_max_mass_g:.0f} g placed on the market {placed}"
        return False, (f"a legacy aircraft under {s.a1_legacy_max_mass_g:.0f} g placed on the market "
                       f"{placed or 'on a date not stated'} (from {s.a1_legacy_market_cutoff} it needs a UK0 "
                       "class mark; unverified)")
    if cls == "C1":
        return False, f"class {cls} is no longer accepted after {s.c_class_accepted_until}"
    return False, f"class {cls or 'unknown'} of {mass if mass is not None else 'unknown'} g is not A1-eligible"


def a3_eligible(a: Assessment) -> tuple[bool, str]:
    """CAT-01 (revised 2026-12): the A3 aircraft are UK3, UK4, legacy or home-built under 25 kg, and C2/C3/C4
    until the C-class cutoff. An aircraft of the A1 or A2 classes (UK0, UK1, UK2, C0, C1) may also fly under
    A3's wider separations. UK5 and UK6 are Specific only."""
    s, mass, cls = a.s, a.mass, a.class_mark
    if cls in SPECIFIC_ONLY:
        return False, f"class {cls} is Specific only"
    if cls in ("UK0", "UK1", "UK2", "UK3", "UK4", "C0"):
        return True, f"class {cls}"
    if cls in ("C1", "C2", "C3", "C4"):
        if a.end_date <= s.c_class_accepted_until:
            return True, f"class {cls} (accepted until {s.c_class_accepted_until})"
        return False, f"class {cls} is no longer accepted after {s.c_class_accepted_until}"
    if cls in ("LEGACY", "HOME_BUILT", ""):
        if mass is not None and mass < s.max_mass_g:
            return True, f"{cls.lower() or 'unclassed'} aircraft under {s.max_mass_g:.0f} g"
        return False, (f"{cls.lower() or 'unclassed'} aircraft of {mass if mass is not None else 'unknown'} g "
                       f"(A3 needs under {s.max_mass_g:.0f} g)")
    return False, f"class {cls} is not an A3 class"


def a2_separation(a: Assessment) -> tuple[float | None, str]:
    """The A2 separation this aircraft needs, or None when it cannot fly A2."""
    s, cls, mass = a.s, a.class_mark, a.mass
    craft = a.plan.aircraft
    if cls == "UK2" or (cls == "C2" and a.end_date <= s.c_class_accepted_until):
        if craft and craft.low_speed_mode:
            return s.a2_low_speed_separation_m, f"class {cls} in low-speed mode"
        return s.a2_separation_m, f"class {cls}"
    if cls in ("LEGACY", "") and mass is not None and mass < s.a2_legacy_max_mass_g:
        return s.a2_legacy_separation_m, f"legacy under {s.a2_legacy_max_mass_g:.0f} g"
    return None, f"class {cls or 'unknown'} cannot fly in A2"


def _has_cofc(a: Assessment) -> bool:
    return bool(a.plan.pilots) and all(p.a2_cofc for p in a.plan.pilots)


def a3_problems(a: Assessment) -> list[str]:
    s, op = a.s, a.plan.operation
    problems = []
    if op.min_distance_built_up_m is None or op.min_distance_built_up_m < s.a3_built_up_separation_m:
        problems.append(f"separation from built-up areas {op.min_distance_built_up_m} m is under "
                        f"{s.a3_built_up_separation_m:.0f} m")
    if op.min_distance_people_m is None or op.min_distance_people_m < s.a3_people_separation_m:
        problems.append(f"separation from people {op.min_distance_people_m} m is under "
                        f"{s.a3_people_separation_m:.0f} m")
    near = [h for h in a.hits_of(ZoneKind.BUILT_UP, s.a3_built_up_separation_m)
            if h.distance_m < s.a3_built_up_separation_m]
    if near:
        problems.append(f"built-up area {near[0].zone.name} is {near[0].distance_m:.0f} m away")
    if a.plan.site.built_up:
        problems.append("the site is in a built-up area")
    return problems


def derive_category(a: Assessment) -> str:
    """CAT-01: the requested category, else the first Open subcategory the flight fits, else Specific."""
    op = a.plan.operation
    if op.category:
        return op.category
    if not op.vlos or a.class_mark in SPECIFIC_ONLY:
        return SPECIFIC
    if a1_eligible(a)[0]:
        return "A1"
    sep, _ = a2_separation(a)
    if sep is not None and _has_cofc(a) and op.min_distance_people_m is not None and op.min_distance_people_m >= sep:
        return "A2"
    if (a.mass is not None and a.mass < a.s.max_mass_g) and a3_eligible(a)[0] and not a3_problems(a):
        return "A3"
    return SPECIFIC


def cat01_category(a: Assessment) -> None:
    """CAT-01 (revised 2026-12): Specific needs an Operational Authorisation; UK5 and UK6 are Specific only; a
    requested A3 needs an A3 aircraft."""
    auth, cat, cls = a.plan.operator.authorisation, a.category, a.class_mark
    facts = {"category": "Specific" if cat == SPECIFIC else cat, "class_mark": cls or None, "mass_g": a.mass}
    if cat == SPECIFIC and not (auth and auth.reference):
        why = (f"class {cls} is Specific only" if cls in SPECIFIC_ONLY
               else "the flight does not fit an Open subcategory")
        a.add("CAT-01", B, f"The flight is Specific ({why}) and needs an Operational Authorisation; none is on "
              "file.", **facts)
    elif cat in OPEN and cls in SPECIFIC_ONLY:
        a.add("CAT-01", B, f"Class {cls} aircraft are Specific only: they cannot fly in Open {cat}; an "
              "Operational Authorisation is needed.", **facts)
    elif cat == "A3":
        ok, why = a3_eligible(a)
        if not ok:
            a.add("CAT-01", B, f"Not an A3 aircraft: {why}. A3 is for UK3, UK4, legacy or home-built aircraft under "
                  f"{a.s.max_mass_g:.0f} g and C2/C3/C4 until {a.s.c_class_accepted_until} (and the A1/A2 "
                  "classes).", **facts)


def cat06_a1(a: Assessment) -> None:
    """CAT-06 (revised 2026-12): A1 eligibility, see a1_eligible."""
    if a.category != "A1":
        return
    a.check("CAT-06")
    ok, why = a1_eligible(a)
    if not ok:
        placed = a.plan.aircraft.placed_on_market if a.plan.aircraft else None
        a.add("CAT-06", B, f"Not eligible for A1: {why}.", class_mark=a.class_mark, mass_g=a.mass,
              placed_on_market=placed)


def check(a: Assessment) -> None:
    s, plan, op, cat = a.s, a.plan, a.plan.operation, a.category
    auth = plan.operator.authorisation
    a.check("CAT-01", "CAT-02", "CAT-03", "CAT-04", "CAT-09")
    cat01_category(a)

    # CAT-02 mass
    mass = a.mass
    bespoke_limit = auth.max_mass_g if auth is not None and auth.type == "BESPOKE" else None
    allowed = cat == SPECIFIC and bespoke_limit is not None and mass is not None and mass <= bespoke_limit
    if mass is not None and mass >= s.max_mass_g and not allowed:
        a.add("CAT-02", B, f"Take-off mass {mass:.0f} g is not under {s.max_mass_g:.0f} g.",
              mass_g=mass, limit_g=s.max_mass_g)

    # CAT-03 height, with the tall-obstacle allowance
    limit = s.max_height_m
    ob = op.obstacle
    if ob and ob.owner_request and ob.height_m > s.obstacle_min_height_m and ob.distance_m <= s.obstacle_radius_m:
        limit = max(limit, ob.height_m + s.obstacle_allowance_m)
    if plan.max_height_m > limit:
        a.add("CAT-03", B, f"Maximum height {plan.max_height_m:g} m is above the {limit:g} m limit.",
              max_height_m=plan.max_height_m, limit_m=limit)

    # CAT-04 VLOS and PDRA01 range
    if not op.vlos and not (cat == SPECIFIC and auth and auth.bvlos):
        a.add("CAT-04", B, "Beyond visual line of sight needs a bespoke authorisation that allows it.")
    if cat == SPECIFIC and (auth is None or auth.type in ("PDRA01", "")):
        dist = op.max_distance_from_pilot_m
        if dist is None or dist > s.pdra01_max_distance_m:
            a.add("CAT-04", B, f"PDRA01 flights stay within {s.pdra01_max_distance_m:.0f} m of the remote pilot; "
                  f"planned distance {dist if dist is not None else 'not stated'}.",
                  distance_m=dist, limit_m=s.pdra01_max_distance_m)

    # CAT-06..08 Open subcategories
    cat06_a1(a)
    if cat == "A2":
        a.check("CAT-07")
        sep, why = a2_separation(a)
        if sep is None:
            a.add("CAT-07", B, f"Not eligible for A2: {why}.", class_mark=a.class_mark, mass_g=mass)
        elif op.min_distance_people_m is None or op.min_distance_people_m < sep:
            a.add("CAT-07", B, f"A2 needs {sep:g} m from uninvolved people ({why}); planned "
                  f"{op.min_distance_people_m if op.min_distance_people_m is not None else 'not stated'}.",
                  required_m=sep, planned_m=op.min_distance_people_m)
    if cat == "A3":
        a.check("CAT-08")
        for problem in a3_problems(a):
            a.add("CAT-08", B, f"A3 separation: {problem}.")

    # CAT-09 assemblies
    if op.overflies_assemblies and (cat in OPEN or cat == SPECIFIC):
        a.add("CAT-09", B, "Assemblies of people are never overflown.")

    if cat == SPECIFIC:
        a.check("CAT-10", "CAT-11")
        if auth is None or auth.type in ("PDRA01", ""):
            d, t = op.min_distance_people_m, op.min_distance_people_takeoff_m
            if d is None or d < s.pdra01_people_separation_m:
                a.add("CAT-10", B, f"PDRA01 needs {s.pdra01_people_separation_m:.0f} m from uninvolved people; "
                      f"planned {d if d is not None else 'not stated'}.", required_m=s.pdra01_people_separation_m,
                      planned_m=d)
            if t is not None and t < s.pdra01_takeoff_separation_m:
                a.add("CAT-10", B, f"PDRA01 needs {s.pdra01_takeoff_separation_m:.0f} m from people during take-off "
                      f"and landing; planned {t:g} m.", required_m=s.pdra01_takeoff_separation_m, planned_m=t,
                      phase="take-off and landing")
        if auth is not None:
            _within_authorisation(a)


def _within_authorisation(a: Assessment) -> None:
    auth = a.plan.operator.authorisation
    assert auth is not None
    plan, op = a.plan, a.plan.operation
    if auth.max_height_m is not None and plan.max_height_m > auth.max_height_m:
        a.add("CAT-11", B, f"Height {plan.max_height_m:g} m exceeds the authorisation's {auth.max_height_m:g} m.",
              reference=auth.reference)
    if (auth.max_distance_m is not None and op.max_distance_from_pilot_m is not None
            and op.max_distance_from_pilot_m > auth.max_distance_m):
        a.add("CAT-11", B, f"Distance {op.max_distance_from_pilot_m:g} m exceeds the authorisation's "
              f"{auth.max_distance_m:g} m.", reference=auth.reference)
    if auth.night is False and a.night:
        a.add("CAT-11", B, "Part of the window is night and the authorisation is for day only.",
              reference=auth.reference)
    if auth.max_mass_g is not None and a.mass is not None and a.mass > auth.max_mass_g:
        a.add("CAT-11", B, f"Mass {a.mass:.0f} g exceeds the authorisation's {auth.max_mass_g:.0f} g.",
              reference=auth.reference)
    congested = a.plan.site.built_up or bool(a.hits_of(ZoneKind.BUILT_UP))
    if auth.area_types and congested and "congested" not in auth.area_types:
        a.add("CAT-11", B, "The area is built-up (congested) and the authorisation does not cover congested areas.",
              reference=auth.reference, area_types=list(auth.area_types))


# ---- the findings in words (policy.core.wording)
def _aircraft(ev: Mapping[str, Any], w: Words) -> str:
    """"a class UK1 aircraft of 600 g" from `class_mark` and `mass_g`."""
    cls = ev.get("class_mark")
    what = f"a class {cls} aircraft" if cls and cls not in ("LEGACY", "HOME_BUILT") else \
        f"a {str(cls).lower().replace('_', '-')} aircraft" if cls else "an aircraft of no stated class"
    return what + (f" of {w.mass(ev['mass_g'])}" if ev.get("mass_g") is not None else " of unstated mass")


def _separation(ev: Mapping[str, Any], w: Words, from_what: str) -> str:
    planned = ev.get("planned_m")
    return (f"{w.distance(ev['required_m'])} from {from_what} is needed; the plan keeps "
            + (f"{w.distance(planned)}." if planned is not None else "a distance it does not state."))


def explain(rule: str, ev: Mapping[str, Any], w: Words) -> str:
    """A CAT finding's evidence in one sentence: the aircraft, the height, the distances against the limits."""
    if rule == "CAT-01" and "category" in ev:
        category = ev["category"] if ev["category"] == "Specific" else f"Open {ev['category']}"
        return f"Assessed as {category}, flown with {_aircraft(ev, w)}."
    if rule == "CAT-02" and "mass_g" in ev:
        return f"The aircraft weighs {w.mass(ev['mass_g'])} at take-off; it must be under {w.mass(ev['limit_g'])}."
    if rule == "CAT-03" and "max_height_m" in ev:
        return (f"The plan goes up to {w.height(ev['max_height_m'])} above the ground; the limit here is "
                f"{w.height(ev['limit_m'])}.")
    if rule == "CAT-04" and "limit_m" in ev:
        planned = ev.get("distance_m")
        return ("The remote pilot may be at most " + w.distance(ev["limit_m"]) + " from the aircraft; the plan says "
                + (f"{w.distance(planned)}." if planned is not None else "nothing about the distance."))
    if rule in ("CAT-06", "CAT-07") and "required_m" not in ev and ("class_mark" in ev or "mass_g" in ev):
        placed = ev.get("placed_on_market")
        return (f"Flown with {_aircraft(ev, w)}" + (f", placed on the market {w.day(placed)}" if placed else "")
                + ".")
    if rule == "CAT-07" and "required_m" in ev:
        return "In A2, " + _separation(ev, w, "uninvolved people")
    if rule == "CAT-10" and "required_m" in ev:
        people = f"people during {ev['phase']}" if ev.get("phase") else "uninvolved people"
        return "Under PDRA01, " + _separation(ev, w, people)
    if rule == "CAT-11" and ev.get("reference"):
        covers = ev.get("area_types")
        return (f"Checked against Operational Authorisation {ev['reference']}"
                + (f", which covers {w.listing(covers)} areas." if covers else "."))
    return ""
