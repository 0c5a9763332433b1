"""WX: day-of-flight weather against the aircraft's limits (operator's manual; council defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types import Severity, Stage
from ..wording import Words
from .base import Assessment

B, W = Severity.BLOCK, Severity.WARN
SURVEY_PURPOSES = ("mapping", "3d_survey", "orthomosaic", "coastal_survey", "survey")


def check(a: Assessment) -> None:
    s, wx, craft = a.s, a.plan.weather, a.plan.aircraft
    a.check("WX-01", "WX-02", "WX-03", "WX-04", "WX-05", "WX-06", "WX-07")
    if wx is None:
        if a.ctx.stage == Stage.DAY_OF_FLIGHT:
            a.add("WX-01", B, "No day-of-flight weather is recorded: the pilot records wind, gusts, precipitation, "
                  "temperature, visibility and cloud base before flying.")
        return
    max_wind = craft.max_wind_ms if craft else None
    if wx.mean_wind_ms is not None:
        if max_wind is None:
            a.add("WX-01", W, "The aircraft's maximum wind is not on file, so the wind cannot be checked.",
                  mean_wind_ms=wx.mean_wind_ms)
        else:
            frac = wx.mean_wind_ms / max_wind if max_wind else float("inf")
            ev = {"mean_wind_ms": wx.mean_wind_ms, "aircraft_max_ms": max_wind, "fraction": frac}
            if frac > s.wx_wind_block_fraction:
                a.add("WX-01", B, f"Mean wind {wx.mean_wind_ms:g} m/s is {frac:.0%} of the aircraft's "
                      f"{max_wind:g} m/s (limit {s.wx_wind_block_fraction:.0%}).", **ev)
            elif frac > s.wx_wind_warn_fraction:
                a.add("WX-01", W, f"Mean wind {wx.mean_wind_ms:g} m/s is {frac:.0%} of the aircraft's "
                      f"{max_wind:g} m/s (caution above {s.wx_wind_warn_fraction:.0%}).", **ev)
    max_gust = (craft.max_gust_ms or craft.max_wind_ms) if craft else None
    if wx.gust_ms is not None and max_gust is not None and wx.gust_ms > max_gust:
        a.add("WX-02", B, f"Gusts of {wx.gust_ms:g} m/s exceed the aircraft's {max_gust:g} m/s.",
              gust_ms=wx.gust_ms, aircraft_max_ms=max_gust)
    p = wx.precipitation_mmh
    if p is not None:
        ip = craft.ip_rating if craft else None
        if p > s.wx_precip_block_mmh:
            a.add("WX-03", B, f"Precipitation {p:g} mm/h is above {s.wx_precip_block_mmh:g} mm/h.",
                  precipitation_mmh=p, ip_rating=ip)
        elif p > s.wx_precip_warn_mmh:
            if ip is not None and ip >= s.wx_precip_min_ip:
                a.add("WX-03", W, f"Light precipitation {p:g} mm/h: acceptable only for IP{s.wx_precip_min_ip}+ "
                      f"(this aircraft is IP{ip}).", precipitation_mmh=p, ip_rating=ip)
            else:
                a.add("WX-03", B, f"Precipitation {p:g} mm/h needs an IP{s.wx_precip_min_ip}+ aircraft "
                      f"(this one is {f'IP{ip}' if ip is not None else 'unrated'}).", precipitation_mmh=p,
                      ip_rating=ip)
    t = wx.temperature_c
    lo, hi = (craft.min_temp_c, craft.max_temp_c) if craft else (None, None)
    if t is not None and ((lo is not None and t < lo) or (hi is not None and t > hi)):
        limits = f"{lo if lo is not None else '-'} to {hi if hi is not None else '-'} C"
        a.add("WX-04", B, f"Temperature {t:g} C is outside the aircraft's range ({limits}).",
              temperature_c=t, min_c=lo, max_c=hi)
    moist = wx.moisture if wx.moisture is not None else bool(p and p > 0)
    if t is not None and t < s.wx_icing_temp_c and moist:
        a.add("WX-04", B, f"Icing risk: {t:g} C with moisture (below {s.wx_icing_temp_c:g} C).", temperature_c=t)
    v = wx.visibility_km
    if v is not None:
        if v < s.wx_vis_block_km:
            a.add("WX-05", B, f"Visibility {v:g} km is below {s.wx_vis_block_km:g} km.", visibility_km=v)
        elif v < s.wx_vis_warn_km:
            a.add("WX-05", W, f"Visibility {v:g} km is below {s.wx_vis_warn_km:g} km.", visibility_km=v)
    cb = wx.cloud_base_m
    need = a.plan.max_height_m + s.wx_cloud_margin_m
    if cb is not None and cb < need:
        a.add("WX-06", B, f"Cloud base {cb:g} m is below the maximum height plus margin ({need:g} m).",
              cloud_base_m=cb, required_m=need)
    kp = wx.kp
    if kp is not None and (a.plan.operation.rtk_survey or a.plan.purpose in SURVEY_PURPOSES):
        if kp >= s.wx_kp_block:
            a.add("WX-07", B, f"Kp {kp:g}: geomagnetic storm, GNSS/RTK positions unreliable (limit {s.wx_kp_block:g}).",
                  kp=kp)
        elif kp >= s.wx_kp_warn:
            a.add("WX-07", W, f"Kp {kp:g}: GNSS/RTK accuracy may suffer (caution from {s.wx_kp_warn:g}).", kp=kp)


# ---- the findings in words (policy.core.wording)
def explain(rule: str, ev: Mapping[str, Any], w: Words) -> str:
    """A WX finding's evidence in one sentence: the measured weather against the aircraft's limits."""
    n = w.num
    if rule == "WX-01" and "mean_wind_ms" in ev:
        if ev.get("aircraft_max_ms") is None:
            return f"Mean wind {n(ev['mean_wind_ms'])} m/s; the aircraft's limit is not on file."
        share = f" ({float(ev['fraction']):.0%} of it)" if ev.get("fraction") is not None else ""
        return f"Mean wind {n(ev['mean_wind_ms'])} m/s against the aircraft's limit of {n(ev['aircraft_max_ms'])} m/s{share}."
    if rule == "WX-02" and "gust_ms" in ev:
        return f"Gusts of {n(ev['gust_ms'])} m/s; the aircraft is rated to {n(ev.get('aircraft_max_ms'))} m/s."
    if rule == "WX-03" and "precipitation_mmh" in ev:
        ip = ev.get("ip_rating")
        return (f"Rain or snow at {n(ev['precipitation_mmh'])} mm an hour; the aircraft is "
                + (f"rated IP{ip}." if ip is not None else "not IP rated."))
    if rule == "WX-04" and "temperature_c" in ev:
        sentence = f"Temperature {n(ev['temperature_c'])} °C"
        if ev.get("min_c") is not None or ev.get("max_c") is not None:
            lo = f"{n(ev['min_c'])} °C" if ev.get("min_c") is not None else "no stated minimum"
            hi = f"{n(ev['max_c'])} °C" if ev.get("max_c") is not None else "no stated maximum"
            sentence += f"; the aircraft flies from {lo} to {hi}"
        return sentence + "."
    if rule == "WX-05" and "visibility_km" in ev:
        return f"Visibility {w.distance(float(ev['visibility_km']) * 1000)}."
    if rule == "WX-06" and "cloud_base_m" in ev:
        return (f"Cloud base {w.height(ev['cloud_base_m'])}; the flight needs {w.height(ev.get('required_m'))} "
                "(its maximum height plus the margin).")
    if rule == "WX-07" and "kp" in ev:
        return f"Geomagnetic activity: Kp index {n(ev['kp'])}."
    return ""
