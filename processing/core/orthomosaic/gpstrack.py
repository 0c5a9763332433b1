"""The camera's GPS as a track in time, and one time offset (lag) between exposures and GPS fixes.

Cameras with a built-in receiver (the Canon of Caliterra is one) stamp each photo with the latest fix they hold,
which is seconds old: the fix is where the camera *was*, so on a back-and-forth survey the GPS trails the camera
along each line and the error flips sign with the flight direction. We model that with one offset for the whole
flight, fitted against the camera path of the image block (whose shape comes from the photos alone) with a free
similarity, so it does not depend on the datum, and used only when it clearly improves the fit. The report gives
the agreement with the raw fixes and with the lag-corrected ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

MAX_LAG_S = 5.0  # a receiver or clock offset beyond this is not a lag any more
MIN_GAIN = 0.9  # a lag is used only if it brings the fitted RMS below 90 % of the no-lag RMS


@dataclass(frozen=True)
class LagFit:
    lag_s: float  # add to the exposure time (in the GPS clock) to read the track
    rms_no_lag_m: float  # placed vs track at the exposure times, after a best-fit similarity
    rms_m: float  # the same with the fitted lag
    targets: np.ndarray  # (n, 2) lag-corrected GPS position of each photo (same frame as the fixes)


def track_positions(fix_times: np.ndarray, fixes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Positions on the track at `query` times: fixes de-duplicated by time, linear in between, linear beyond."""
    order = np.argsort(fix_times, kind="stable")
    times, first = np.unique(fix_times[order], return_index=True)  # a repeated fix counts once
    pos = fixes[order][first]
    if len(times) == 1:
        return np.repeat(pos, len(query), axis=0)
    out = np.column_stack([np.interp(query, times, pos[:, 0]), np.interp(query, times, pos[:, 1])])
    for end, (a, b) in (("low", (0, 1)), ("high", (-2, -1))):
        mask = query < times[0] if end == "low" else query > times[-1]
        if mask.any():
            velocity = (pos[b] - pos[a]) / (times[b] - times[a])
            ref = 0 if end == "low" else -1
            out[mask] = pos[ref] + (query[mask] - times[ref])[:, None] * velocity
    return out


def _similarity(src: NDArray[np.float64], dst: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Least-squares similarity src -> dst (Umeyama, no mirror image): the linear part (2x2) and the residuals."""
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - mu_s, dst - mu_d
    u, sv, vt = np.linalg.svd(b.T @ a)
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ d @ vt
    var = float((a**2).sum())
    s = float(np.trace(np.diag(sv) @ d) / var) if var > 0 else 1.0
    linear: NDArray[np.float64] = s * rot
    residuals: NDArray[np.float64] = dst - (a @ linear.T + mu_d)
    return linear, residuals


def similarity_residuals(src: NDArray[np.float64], dst: NDArray[np.float64]) -> NDArray[np.float64]:
    """dst - (s R src + t) for the least-squares similarity (Umeyama)."""
    return _similarity(src, dst)[1]


def fit_gps_lag(placed: np.ndarray, exposure: np.ndarray, fix_times: np.ndarray, fixes: np.ndarray) -> LagFit | None:
    """Fit one lag between exposures (camera clock) and GPS fixes; None without enough time stamps.

    All arrays are per placed photo: its position in the image block, its exposure time (camera clock), the time
    stamp of the fix it carries (GPS clock) and that fix. The camera clock is usually local time and seconds off
    the GPS: it is put on the GPS clock by the median of (fix time - exposure time), and the lag is fitted on top.

    The camera's path comes from the image block (smooth and accurate), not from the fixes: for a lag L the fix
    stamped T should show where the block puts the camera at T - L. Reading the path at the fixes' times, rather
    than reading the noisy fixes at the exposures, matters: interpolating between fixes averages their errors, so
    pure GPS noise would look like a lag. The corrected position of a photo is its own fix moved by the block's
    displacement between the fix's moment and the exposure (no averaging of fixes either).
    """
    ok = np.isfinite(exposure) & np.isfinite(fix_times)
    if ok.sum() < 5 or np.ptp(fix_times[ok]) < 5.0:
        return None
    on_gps_clock = exposure + float(np.median(fix_times[ok] - exposure[ok]))
    path_times, path = on_gps_clock[ok], placed[ok]

    def fit(lag: float) -> tuple[float, NDArray[np.float64]]:
        expected = track_positions(path_times, path, fix_times[ok] - lag)
        linear, r = _similarity(expected, fixes[ok])
        return float(np.sqrt((r**2).sum(axis=1).mean())), linear

    coarse = np.arange(-MAX_LAG_S, MAX_LAG_S + 1e-9, 0.25)
    best = float(coarse[int(np.argmin([fit(lag)[0] for lag in coarse]))])
    fine = np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05)
    fine_values = [fit(lag)[0] for lag in fine]
    best = float(fine[int(np.argmin(fine_values))])
    base, fitted = fit(0.0)[0], min(fine_values)
    targets = np.full((len(placed), 2), np.nan)
    if not fitted < MIN_GAIN * base:
        targets[ok] = fixes[ok]
        return LagFit(lag_s=0.0, rms_no_lag_m=base, rms_m=base, targets=targets)
    linear = fit(best)[1]
    moved = path - track_positions(path_times, path, fix_times[ok] - best)
    targets[ok] = fixes[ok] + moved @ linear.T
    return LagFit(lag_s=round(best, 2), rms_no_lag_m=base, rms_m=fitted, targets=targets)


def along_cross(placed: np.ndarray, times: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split offsets (n, 2) into along-track and cross-track parts, the direction of travel taken from the
    placed positions in exposure order (central differences); photos without a time get NaN."""
    along = np.full(len(placed), np.nan)
    cross = np.full(len(placed), np.nan)
    idx = np.flatnonzero(np.isfinite(times))
    if len(idx) < 2:
        return along, cross
    idx = idx[np.argsort(times[idx], kind="stable")]
    for n, k in enumerate(idx):
        prev, nxt = idx[max(n - 1, 0)], idx[min(n + 1, len(idx) - 1)]
        step = placed[nxt] - placed[prev]
        norm = float(np.hypot(*step))
        if norm < 1e-6:
            continue
        u = step / norm
        along[k] = float(offsets[k] @ u)
        cross[k] = float(offsets[k] @ np.array([-u[1], u[0]]))
    return along, cross
