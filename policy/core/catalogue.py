"""The rule catalogue in plain English: what each rule checks, its source, the evidence a contractor
supplies. The policy document is rendered from this and the current settings, so officers read the
same numbers the engine applies. `{name}` placeholders are policy settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .settings import PolicySettings

LAW = "UK Reg. 2019/947 as amended by SI 2025/1106; CAA Drone Code 2026"
ANO = "ANO 2016 art. 94A/94B as amended by SI 2019/261"
AIP = "UK AIP ENR 5.1"
COUNCIL = "Council drone policies (Angus, Edinburgh, North Somerset, City of London, Herefordshire)"
ICO = "ICO guidance on drones; UK GDPR"
OPS = "Operator's operations manual (no legal limit); council default"
ENV = "NatureScot; Marine Scotland; Wildlife and Countryside Act 1981"
OFFENCES = "Unmanned Aircraft (Offences and Consequential Amendments) Regulations 2025 (SI 2025/1284)"
SPACE = "ANO 2016 art. 94BA (added by SI 2021/879)"
ICO_VIDEO = "ICO video surveillance guidance (UAS section); UK GDPR art. 13, 35"
NIGHT = ("ANO 2016 (SI 2016/765) Schedule 1, definition of night; UK SERA (retained Reg. (EU) 923/2012) art. 2, "
         "definition of night")

FAMILIES = {
    "CAT": "Operating category", "REG": "Registration and competence", "TECH": "Aircraft equipment",
    "INS": "Insurance", "AIR": "Airspace", "GOV": "Council governance", "PRIV": "Privacy",
    "WX": "Weather", "LGT": "Light", "ENV": "Environment and heritage",
}


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    severity: str
    text: str
    source: str
    evidence: str = ""
    unverified: bool = False
    revised: str = ""  # e.g. "revised 2026-12", "new 2026-12": the catalogue revision that changed the rule

    @property
    def family(self) -> str:
        return self.id.split("-")[0]

    def render(self, settings: PolicySettings) -> str:
        return self.text.format(**settings.to_dict())


R = RuleInfo
RULES: tuple[RuleInfo, ...] = (
    R("CAT-01", "Operating category", "block",
      "The engine derives the category: Open A1, A2 or A3 from the aircraft and the planned separations, "
      "otherwise Specific, which needs an Operational Authorisation (usually PDRA01). UK5 and UK6 aircraft are "
      "Specific only. A3 aircraft: UK3, UK4, legacy or home-built under {max_mass_g:.0f} g, and C2, C3, C4 until "
      "{c_class_accepted_until} (aircraft of the A1 and A2 classes may also fly under A3's separations).", LAW,
      "Aircraft class mark and mass; planned separations; the Operational Authorisation for Specific.",
      revised="revised 2026-12"),
    R("CAT-02", "Take-off mass", "block",
      "Open and PDRA01 operations: take-off mass under {max_mass_g:.0f} g.", LAW, "Aircraft take-off mass."),
    R("CAT-03", "Maximum height", "block",
      "No higher than {max_height_m:.0f} m above the closest point of the ground; up to "
      "{obstacle_allowance_m:.0f} m above an artificial obstacle taller than {obstacle_min_height_m:.0f} m "
      "when within {obstacle_radius_m:.0f} m of it and its owner asks.", LAW, "Planned maximum height."),
    R("CAT-04", "Visual line of sight and range", "block",
      "Open: always within visual line of sight. PDRA01: within {pdra01_max_distance_m:.0f} m of the "
      "remote pilot. Beyond visual line of sight needs a bespoke authorisation.", LAW,
      "Planned maximum distance from the pilot."),
    R("CAT-06", "A1 eligibility", "block",
      "A1 is open to UK0, UK1 (which may overfly uninvolved people, never assemblies) and C0, and to anything "
      "under {a1_legacy_max_mass_g:.0f} g; C1 is accepted until {c_class_accepted_until}. The CAA's pages say "
      "\"under {a1_legacy_max_mass_g:.0f} g\" without a market date: until that is verified, a legacy aircraft "
      "under {a1_legacy_max_mass_g:.0f} g qualifies only if placed on the market before {a1_legacy_market_cutoff} "
      "(the setting a1_legacy_market_date_applies turns this off).", LAW,
      "Class mark and mass; for legacy aircraft, the date placed on the market.", unverified=True,
      revised="revised 2026-12"),
    R("CAT-07", "A2 separation", "block",
      "UK2/C2: {a2_separation_m:.0f} m horizontally from uninvolved people, {a2_low_speed_separation_m:.0f} m "
      "in low-speed mode; legacy under {a2_legacy_max_mass_g:.0f} g: {a2_legacy_separation_m:.0f} m; C2 "
      "accepted until {c_class_accepted_until}; the pilot needs an A2 CofC.", LAW,
      "Planned separation from people; A2 CofC."),
    R("CAT-08", "A3 separation", "block",
      "A3: {a3_built_up_separation_m:.0f} m from residential, commercial, industrial and recreational areas "
      "and {a3_people_separation_m:.0f} m from people.", LAW,
      "Planned separation from built-up areas and people."),
    R("CAT-09", "Assemblies of people", "block",
      "Assemblies of people are never overflown (Open and PDRA01).", LAW, "Site description."),
    R("CAT-10", "PDRA01 separation", "block",
      "PDRA01: {pdra01_people_separation_m:.0f} m from uninvolved people ({pdra01_takeoff_separation_m:.0f} m "
      "during take-off and landing).", LAW, "Planned separation from people.", unverified=True),
    R("CAT-11", "Within the authorisation", "block",
      "A Specific flight stays within its authorisation's own limits: height, distance, area type, day or "
      "night, mass.", LAW, "The Operational Authorisation and its conditions."),
    R("REG-01", "Operator ID", "block",
      "A valid Operator ID on the flight date for aircraft from {operator_id_mass_g:.0f} g, or from "
      "{operator_id_camera_mass_g:.0f} g with a camera; valid 12 months; holder 18 or over.", LAW,
      "Operator ID and its expiry."),
    R("REG-02", "Flyer ID", "block",
      "Every remote pilot holds a valid Flyer ID for aircraft from {flyer_id_mass_g:.0f} g (since "
      "{flyer_id_from}); valid 5 years.", LAW, "Flyer ID of each pilot and its expiry."),
    R("REG-03", "A2 CofC", "block", "A2 operations need the pilot's A2 Certificate of Competency.", LAW,
      "A2 CofC and its expiry."),
    R("REG-04", "GVC or RPC-L1", "block",
      "Every remote pilot of a Specific operation holds a valid General VLOS Certificate (5 years) or its "
      "successor, the RPC-L1. GVCs are issued until {gvc_issuance_ends}; one issued before then stays valid to "
      "its expiry.", LAW, "GVC or RPC-L1 and its expiry.", unverified=True, revised="revised 2026-12"),
    R("REG-05", "Operational Authorisation", "approval",
      "The Operational Authorisation has a reference and type, expires after the flight, and names the "
      "pilot and the aircraft (PDRA01 is valid 12 months).", LAW, "A copy of the authorisation."),
    R("REG-06", "PfCO", "approval",
      "A PfCO alone is not evidence: PfCOs ended on {pfco_ended}.", LAW, "A current Operational Authorisation."),
    R("TECH-01", "Direct Remote ID", "block",
      "Direct Remote ID on UK1, UK2, UK3, UK5 and UK6 from {remote_id_from}; on camera-equipped UK0 from "
      "{remote_id_mass_g:.0f} g, UK4, home-built and legacy aircraft from {remote_id_mass_g:.0f} g with a "
      "camera from {remote_id_other_from}.", LAW, "Remote ID fitted and on."),
    R("TECH-02", "Green light at night", "block",
      "A green flashing light is on if any part of the window is night (night as defined for LGT-01).", LAW, "Green light fitted."),
    R("TECH-03", "Low-speed mode", "block",
      "Low-speed mode (about {low_speed_ms:.0f} m/s) may be claimed only for UK2/C2 aircraft.", LAW,
      "Class mark.", unverified=True),
    R("TECH-04", "Geo-awareness", "warn",
      "UK1, UK2 and UK3 aircraft carry geo-awareness; the remote pilot must keep its data current (an offence "
      "otherwise) and records the data date in the pre-flight check. Advice when the aircraft is recorded without "
      "it, when the date is missing on the day of the flight, or when the data is more than "
      "{geo_data_max_age_days} days older than the flight.", f"{OFFENCES}; {LAW}",
      "Geo-awareness data date in the pre-flight check.", unverified=True, revised="new 2026-12"),
    R("TECH-05", "Operator ID in the Remote ID unit", "block",
      "Wherever Direct Remote ID is required (TECH-01), the operator's Operator ID is loaded into the Remote ID "
      "unit. Blocked when it is not loaded or the unit broadcasts another ID; advice when it is not stated.", LAW,
      "Confirmation that the Operator ID is loaded (or the ID the unit broadcasts).", revised="new 2026-12"),
    R("INS-01", "Aviation third-party liability", "block",
      "Insurance valid for the whole window, covering commercial use of this aircraft, of at least "
      "{ins_min_sdr:,.0f} SDR (aircraft under 500 kg).", "EC 785/2004 (retained) art. 7",
      "Insurance certificate: insurer, cover, period, aircraft, use."),
    R("INS-02", "Public liability", "block",
      "Public liability cover of at least GBP {public_liability_min_gbp:,.0f} (the council's minimum).",
      COUNCIL, "Public liability certificate."),
    R("INS-03", "Insured operator", "approval",
      "The insurance certificate names the operator that holds the Operator ID (exact match).", COUNCIL,
      "Insurance certificate."),
    R("AIR-01", "Flight Restriction Zone", "approval",
      "Inside an aerodrome's Flight Restriction Zone (a {frz_radius_m:.0f} m circle about the mid-point of "
      "the longest runway, {frz_long_radius_m:.0f} m when it is longer than {frz_long_runway_m:.0f} m, and "
      "runway protection zones {rpz_length_m:.0f} m out from each threshold, {rpz_half_width_m:.0f} m either "
      "side): permission from ATC, else the flight information unit, else the aerodrome operator. Blocked "
      "without the permission reference. The pieces of one aerodrome's zone (its ATZ circle, the runway "
      "circle, the runway protection zones) are one restriction: one finding names them all.", ANO,
      "Aerodrome permission reference."),
    R("AIR-02", "Prohibited area", "block", "No intersection with a prohibited area (e.g. P611 Coulport/Faslane).",
      AIP),
    R("AIR-03", "Restricted area", "approval", "Restricted areas: flights only within their conditions.", AIP,
      "The controlling authority's permission."),
    R("AIR-04", "Danger area", "approval",
      "A danger area active in the window (e.g. D601 Garelochhead) needs the range's agreement.", AIP,
      "Range/Danger Area Activity Information Service check."),
    R("AIR-05", "Temporary restriction", "block",
      "No overlap in time and space with a temporary restriction (RA(T), restriction-of-flying regulations). "
      "Its dates are those published with it; one published without dates counts as always active.", AIP),
    R("AIR-06", "NOTAMs", "warn", "NOTAMs within {notam_radius_m:.0f} m of the area in the window.", AIP,
      "NOTAM briefing."),
    R("AIR-07", "Prisons", "block",
      "No flight within {prison_buffer_m:.0f} m of a prison (England and Wales only; none in Scotland).",
      "SI 2023/1101"),
    R("AIR-08", "Controlled airspace", "warn",
      "Controlled airspace reaching down to the flight: check the authorisation's conditions.", AIP,
      "ATC agreement where required."),
    R("AIR-09", "Space-site restriction zones", "approval",
      "A protected space-site restriction zone needs the permission of the spaceport or space-site operator. The "
      "zones are a council layer (kind space_site); whether any affects Argyll and Bute is unverified.", SPACE,
      "The spaceport or site operator's permission reference.", unverified=True, revised="new 2026-12"),
    R("AIR-10", "Airspace data current", "block",
      "Airspace data is from the AIRAC cycle ({airac_days} days) of the flight date. The data date is the "
      "data set's own release date, else the date recorded at import, never simply the day of import.", AIP),
    R("GOV-01", "Application complete", "block",
      "Area with take-off/landing points and contingency area, aircraft details and pilots.", COUNCIL,
      "Completed flight request."),
    R("GOV-02", "RAMS", "block", "A site-specific risk assessment and method statement for this operation.",
      COUNCIL, "RAMS document."),
    R("GOV-03", "Landowner consent", "approval",
      "Written landowner consent for take-off and landing (council land, HES, private).", COUNCIL,
      "Consent reference."),
    R("GOV-04", "Officer sign-off", "approval",
      "Sign-off by an authorised officer who is not the requester.", COUNCIL, "Named approver."),
    R("GOV-05", "Roads and parks", "approval",
      "Roads or parks team consent when the area is over or next to roads or parks.", COUNCIL,
      "Roads/parks consent reference."),
    R("GOV-06", "Notice period", "warn", "At least {notice_working_days} working days' notice.", COUNCIL),
    R("GOV-07", "Notifications", "warn",
      "Police (101) for public-facing urban work, residents nearby, and any aerodrome within "
      "{notify_aerodrome_within_m:.0f} m are told.", COUNCIL, "Notification record."),
    R("GOV-08", "Flight log", "warn",
      "The flight log and any incidents are delivered after the flight; the operator keeps logs "
      "{log_retention_years} years.", COUNCIL, "Commitment to deliver the flight log."),
    R("PRIV-01", "DPIA", "block",
      "A data protection impact assessment when people, gardens or number plates are likely in view.", ICO,
      "DPIA reference."),
    R("PRIV-02", "Telling the public", "warn",
      "The drone programme has a privacy notice, and where people are likely in view they are told on site where "
      "possible (website, signage, high-visibility clothing).", ICO_VIDEO,
      "Privacy notice for the programme; how people on site are told.", revised="new 2026-12"),
    R("PRIV-03", "Programme-wide DPIA", "approval",
      "A DPIA for the drone use as a whole is on file, with each flight screened (PRIV-01's per-flight DPIA "
      "follows from the screening). Needs approval when the organisation has none; advice when it is not stated.",
      ICO_VIDEO, "Programme DPIA reference.", revised="new 2026-12"),
    R("PRIV-04", "Retention", "warn",
      "A retention period is stated; incidental footage is kept no longer than {retention_days_default} days.",
      ICO, "Retention period."),
    R("PRIV-05", "Blurring", "warn",
      "Faces and number plates are blurred before footage is shared or published.", ICO, "Blurring commitment."),
    R("PRIV-06", "Surveillance", "block",
      "Covert or targeted surveillance needs a RIP(S)A authorisation.", "RIP(S)A 2000", "RIP(S)A authorisation."),
    R("WX-01", "Mean wind", "block",
      "Mean wind at flight height: warning above {wx_wind_warn_fraction:.0%}, blocked above "
      "{wx_wind_block_fraction:.0%} of the manufacturer's maximum.", OPS, "Day-of-flight wind."),
    R("WX-02", "Gusts", "block", "Gusts no stronger than the manufacturer's maximum.", OPS, "Day-of-flight gusts."),
    R("WX-03", "Precipitation", "block",
      "Blocked above {wx_precip_block_mmh:g} mm/h; {wx_precip_warn_mmh:g}-{wx_precip_block_mmh:g} mm/h only for "
      "IP{wx_precip_min_ip}+ aircraft (warning).", OPS, "Day-of-flight precipitation; IP rating."),
    R("WX-04", "Temperature and icing", "block",
      "Within the manufacturer's temperature range; not below {wx_icing_temp_c:g} C with moisture.", OPS,
      "Day-of-flight temperature."),
    R("WX-05", "Visibility", "block",
      "Blocked below {wx_vis_block_km:g} km; warning below {wx_vis_warn_km:g} km.", OPS,
      "Day-of-flight visibility."),
    R("WX-06", "Cloud base", "block",
      "Cloud base above the maximum height plus {wx_cloud_margin_m:.0f} m.", OPS, "Day-of-flight cloud base.",
      unverified=True),
    R("WX-07", "Geomagnetic activity", "warn",
      "For GNSS/RTK survey work: warning at Kp {wx_kp_warn:g}, blocked at Kp {wx_kp_block:g}.", OPS,
      "Kp index."),
    R("LGT-01", "Night", "approval",
      "Night has two UK definitions: the ANO 2016 (Schedule 1), from {ano_night_offset_min:.0f} minutes after "
      "sunset until {ano_night_offset_min:.0f} minutes before sunrise; and UK SERA, between the end of evening and "
      "the beginning of morning civil twilight (the sun {night_depression_deg:g} degrees below the horizon). "
      "Which the CAA applies to Open-category drones is unverified, so it is a setting (night_definition: "
      "{night_definition}); the default, stricter, counts as night whatever either definition calls night. "
      "Computed for the date and place; night flying needs a green light (TECH-02) and night procedures.", NIGHT,
      "Night procedures; green light.", unverified=True, revised="revised 2026-12"),
    R("ENV-01", "Protected sites", "approval",
      "SSSI, SAC, SPA, Ramsar or NNR in the area: NatureScot consultation and SSSI consent where needed.", ENV,
      "NatureScot consultation reference."),
    R("ENV-02", "Seal haul-outs", "approval",
      "Within {seal_buffer_m:.0f} m of a designated seal haul-out ({seal_pupping_buffer_m:.0f} m in the grey "
      "seal pupping months).", ENV, "Method statement for disturbance.", unverified=True),
    R("ENV-03", "Schedule 1 nest sites", "block",
      "Within {bird_nest_buffer_m:.0f} m of a Schedule 1 nest site only with a licence.", ENV,
      "NatureScot licence.", unverified=True),
    R("ENV-04", "Seabird colonies", "warn",
      "Within {seabird_buffer_m:.0f} m of a seabird colony in the breeding season (April to end of July).",
      ENV, unverified=True),
    R("ENV-06", "HES properties", "approval",
      "Historic Environment Scotland properties: HES permission for take-off and landing.",
      "Historic Environment Scotland", "HES permission reference."),
)

BY_ID: dict[str, RuleInfo] = {r.id: r for r in RULES}


def source_of(rule: str) -> str:
    return BY_ID[rule].source


def rendered_catalogue(settings: PolicySettings) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "family": r.family, "family_name": FAMILIES[r.family], "title": r.title,
         "severity": r.severity, "text": r.render(settings), "source": r.source, "evidence": r.evidence,
         "unverified": r.unverified, "revised": r.revised}
        for r in RULES
    ]
