"""Every threshold of the policy, with its default. A PolicyVersion stores these as JSON.

Numbers come from the rule catalogue (docs/policy-rules.md); sources are named in catalogue.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


class SettingsError(ValueError):
    """A policy settings document that cannot be used (unknown key, wrong type)."""


NIGHT_DEFINITIONS = ("ano", "civil", "stricter")


@dataclass(frozen=True)
class PolicySettings:
    # CAT: operating categories (UK Reg 2019/947 as amended by SI 2025/1106; CAA CAP 722/Drone Code 2026)
    max_mass_g: float = 25000
    max_height_m: float = 120
    obstacle_min_height_m: float = 105
    obstacle_radius_m: float = 50
    obstacle_allowance_m: float = 15
    pdra01_max_distance_m: float = 500
    a1_any_below_g: float = 100
    a1_legacy_max_mass_g: float = 250  # A1: anything under 250 g (CAT-06, revised 2026-12)
    a1_legacy_market_cutoff: date = date(2026, 1, 1)
    # unverified: the CAA's pages say "under 250 g" with no market date; True keeps the stricter reading that a
    # legacy (unmarked) drone under 250 g placed on the market from the cutoff does not qualify for A1.
    a1_legacy_market_date_applies: bool = True
    c_class_accepted_until: date = date(2027, 12, 31)
    a2_separation_m: float = 30
    a2_low_speed_separation_m: float = 5
    a2_legacy_max_mass_g: float = 2000
    a2_legacy_separation_m: float = 50
    a3_built_up_separation_m: float = 150
    a3_people_separation_m: float = 50
    pdra01_people_separation_m: float = 50
    pdra01_takeoff_separation_m: float = 30  # unverified
    # REG
    operator_id_mass_g: float = 250
    operator_id_camera_mass_g: float = 100
    flyer_id_mass_g: float = 100
    flyer_id_from: date = date(2026, 1, 1)
    pfco_ended: date = date(2020, 12, 31)
    gvc_issuance_ends: date = date(2027, 12, 31)  # unverified (secondary source): RPC-L1 succeeds the GVC
    # TECH
    remote_id_from: date = date(2026, 1, 1)
    remote_id_other_from: date = date(2028, 1, 1)
    remote_id_mass_g: float = 100
    low_speed_ms: float = 3  # unverified
    geo_data_max_age_days: int = 28  # TECH-04: council default, one AIRAC cycle (unverified)
    # INS (EC 785/2004 art. 7; council contract terms)
    ins_min_sdr: float = 750000
    gbp_per_sdr: float = 1.0  # unverified: set from the IMF rate when the policy is reviewed
    public_liability_min_gbp: float = 5_000_000
    # AIR (ANO 2016 art. 94A/94B; UK AIP ENR 5.1)
    frz_radius_m: float = 3704
    frz_long_radius_m: float = 4630
    frz_long_runway_m: float = 1850
    rpz_length_m: float = 5000
    rpz_half_width_m: float = 500
    notam_radius_m: float = 5000
    prison_buffer_m: float = 400
    airac_days: int = 28
    vertical_buffer_m: float = 150  # unverified: ground elevation unknown, so limits are read conservatively
    # GOV and PRIV (council policies; ICO guidance)
    officer_signoff_required: bool = True
    notice_working_days: int = 10
    notify_police_urban: bool = True
    notify_residents: bool = True
    notify_aerodrome_within_m: float = 5000
    log_retention_years: int = 3
    retention_days_default: int = 30
    blurring_required: bool = True
    road_park_buffer_m: float = 0
    # WX (operator's operations manual; defaults)
    wx_wind_warn_fraction: float = 0.65
    wx_wind_block_fraction: float = 0.85
    wx_precip_block_mmh: float = 1.0
    wx_precip_warn_mmh: float = 0.1
    wx_precip_min_ip: int = 54
    wx_icing_temp_c: float = 2
    wx_vis_block_km: float = 1.5
    wx_vis_warn_km: float = 5
    wx_cloud_margin_m: float = 30  # unverified
    wx_kp_warn: float = 5
    wx_kp_block: float = 7
    # LGT (ANO 2016 Schedule 1; UK SERA art. 2): see policy.core.daylight for the three readings
    night_definition: str = "stricter"  # "ano", "civil" or "stricter" (the union of both nights)
    night_depression_deg: float = 6  # civil twilight: the sun's centre 6 degrees below the horizon (UK SERA)
    ano_night_offset_min: float = 30  # ANO: night from 30 min after sunset until 30 min before sunrise
    # Input bounds: a plan's window (start to end) is at most this long; a longer one is refused as malformed
    max_window_days: int = 90
    # ENV (NatureScot; Marine Scotland; Wildlife and Countryside Act 1981 Sch. 1)
    seal_buffer_m: float = 500
    seal_pupping_buffer_m: float = 1000  # unverified
    seal_pupping_months: tuple[int, ...] = (9, 10, 11, 12)
    bird_nest_buffer_m: float = 500  # unverified
    seabird_buffer_m: float = 500  # unverified
    seabird_season_months: tuple[int, ...] = (4, 5, 6, 7)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.night_definition not in NIGHT_DEFINITIONS:
            raise SettingsError(f"policy setting 'night_definition': must be one of {', '.join(NIGHT_DEFINITIONS)}, "
                                f"not {self.night_definition!r}")
        if self.max_window_days < 1:
            raise SettingsError("policy setting 'max_window_days': must be at least 1")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> PolicySettings:
        """Defaults overlaid with `values`; unknown keys or bad values raise SettingsError."""
        kwargs: dict[str, Any] = {}
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in (values or {}).items():
            if key not in fields:
                raise SettingsError(f"unknown policy setting {key!r}")
            default = fields[key].default
            try:
                kwargs[key] = _coerce(default, value)
            except (TypeError, ValueError) as exc:
                raise SettingsError(f"policy setting {key!r}: {exc}") from None
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            elif f.name == "extra":
                value = dict(value)
            out[f.name] = value
        return out


def _coerce(default: Any, value: Any) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TypeError("expected true or false")
        return value
    if isinstance(default, date):
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if isinstance(default, tuple):
        return tuple(int(v) for v in value)
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, bool):
            raise TypeError("expected a number")
        return int(value)
    if isinstance(default, float):
        if isinstance(value, bool):
            raise TypeError("expected a number")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise TypeError("expected a string")
        return value.strip().lower()
    return value


DEFAULT_SETTINGS = PolicySettings()
