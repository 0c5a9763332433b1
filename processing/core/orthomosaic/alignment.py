"""Linear first stage of the alignment: a similarity per photo, all solved at once (no chain that drifts).

Each photo i maps normalised pixels (u, v) = ((x - cx) / K, -(y - cy) / K) to ground metres by
E = a u - b v + tx,  N = b u + a v + ty; every inlier correspondence of a matched pair says both photos put the
point at the same place. With photo 0 held fixed this is one sparse linear least-squares problem (4n unknowns,
Huber re-weighted), solved densely since n is at most a few hundred. The block is then placed on the GPS
positions by one robust similarity (position, heading, scale: GPS altitude, which drifts, is never used), and
bundle.py refines the result into perspective poses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .matching import PairMatch

K = 1000.0  # pixel normalisation


@dataclass
class Frame:
    """What the solver needs of one photo."""

    width: int
    height: int
    gps: np.ndarray  # (2,) metres relative to the local origin


@dataclass
class Gcp:
    photo: int
    x: float
    y: float
    target: np.ndarray  # (2,) metres relative to the local origin


def normalise(frame: Frame, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    u = (pts[:, 0] - (frame.width - 1) / 2.0) / K
    v = -(pts[:, 1] - (frame.height - 1) / 2.0) / K
    return u, v


def _pair_jacobian(frames: list[Frame], pair: PairMatch) -> np.ndarray:
    ui, vi = normalise(frames[pair.i], pair.points_i)
    uj, vj = normalise(frames[pair.j], pair.points_j)
    one, zero = np.ones_like(ui), np.zeros_like(ui)
    rows_e = np.column_stack([ui, -vi, one, zero, -uj, vj, -one, zero])
    rows_n = np.column_stack([vi, ui, zero, one, -vj, -uj, zero, -one])
    return np.vstack([rows_e, rows_n])


def _normal_equations(n: int, pairs: list[PairMatch], jacobians: list[np.ndarray], match_w: list[np.ndarray],
                      sigma_match: float) -> np.ndarray:
    h = np.zeros((4 * n, 4 * n))
    for pair, jac, w in zip(pairs, jacobians, match_w, strict=True):
        idx = np.r_[4 * pair.i:4 * pair.i + 4, 4 * pair.j:4 * pair.j + 4]
        h[np.ix_(idx, idx)] += jac.T @ (jac * (w / sigma_match**2)[:, None])
    return h


def _residuals(pairs: list[PairMatch], jacobians: list[np.ndarray], params: np.ndarray) -> list[np.ndarray]:
    out = []
    for pair, jac in zip(pairs, jacobians, strict=True):
        r = (jac @ np.r_[params[pair.i], params[pair.j]]).reshape(2, -1)
        out.append(np.hypot(r[0], r[1]))
    return out


def _huber(r: np.ndarray, k: float) -> np.ndarray:
    return np.where(r <= k, 1.0, k / np.maximum(r, 1e-12))


def _relative(n: int, pairs: list[PairMatch], jacobians: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """Image-only solve with photo 0 held fixed: a drift-free block in photo 0's units, and its noise level.

    Holding one photo fixes the four free parameters (a block of matches alone can move, turn and scale freely;
    weighting matches by their measured scatter without such a hold would let the block shrink to a point).
    """
    match_w = [np.ones(len(j)) for j in jacobians]
    sigma = 0.002  # normalised units (2 px)
    anchor = np.zeros(4 * n)
    anchor[:4] = 1e12
    target = np.zeros(4 * n)
    target[0] = 1e12  # a = 1: photo 0's own scale and orientation
    params = np.zeros((n, 4))
    for _ in range(4):
        h = _normal_equations(n, pairs, jacobians, match_w, sigma)
        h[np.arange(4 * n), np.arange(4 * n)] += anchor + 1e-9
        params = np.linalg.solve(h, target).reshape(n, 4)
        res = _residuals(pairs, jacobians, params)
        all_r = np.concatenate(res) if res else np.zeros(1)
        sigma = max(1.4826 * float(np.median(all_r)), 1e-4)
        match_w = [np.tile(_huber(r, 2.0 * sigma), 2) for r in res]
    return params, sigma


def _fit_similarity(src: np.ndarray, dst: np.ndarray, k: float) -> tuple[float, np.ndarray, np.ndarray]:
    """Robust (Huber-weighted) least-squares similarity dst ~ s R src + t; returns s, R, t."""
    w = np.ones(len(src))
    s, rot, t = 1.0, np.eye(2), np.zeros(2)
    for _ in range(5):
        ws = w / w.sum()
        mu_s, mu_d = ws @ src, ws @ dst
        a, b = src - mu_s, dst - mu_d
        cov = (b * ws[:, None]).T @ a
        u, sv, vt = np.linalg.svd(cov)
        d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
        rot = u @ d @ vt
        var = float((ws * (a**2).sum(1)).sum())
        s = float(np.trace(np.diag(sv) @ d) / var) if var > 0 else 1.0
        t = mu_d - s * rot @ mu_s
        r = np.hypot(*(dst - (s * src @ rot.T + t)).T)
        w = _huber(r, k)
    return s, rot, t


def similarity_init(frames: list[Frame], pairs: list[PairMatch]) -> tuple[np.ndarray, float]:
    """Similarity per photo from the images, fitted to GPS by one similarity: (n, 4) a, b, tx, ty in metres.

    Only the image block's overall position, heading and scale come from GPS, so the start has no drift.
    Returns the parameters and the match scatter in metres. (A joint linear solve with GPS priors is avoided on
    purpose: with residuals in metres the matches pull the block to shrink; bundle.py works in pixels instead.)
    Separate groups of photos (no tie points between them, e.g. two parts of a flight joined only by oblique turn
    photos) are solved and placed on the GPS each on its own.
    """
    n = len(frames)
    gps = np.array([f.gps for f in frames], float).reshape(n, 2)
    out = np.zeros((n, 4))
    scatter = []
    for group in components(n, pairs):
        local = {k: m for m, k in enumerate(group)}
        sub_pairs = [PairMatch(i=local[p.i], j=local[p.j], points_i=p.points_i, points_j=p.points_j,
                               inliers=p.inliers, matches=p.matches) for p in pairs if p.i in local]
        sub_frames = [frames[k] for k in group]
        jacobians = [_pair_jacobian(sub_frames, p) for p in sub_pairs]
        rel, sigma_rel = _relative(len(group), sub_pairs, jacobians)
        sub_gps = gps[group]
        spread = float(np.hypot(*np.ptp(sub_gps, axis=0))) or 1.0
        s, rot, t = _fit_similarity(rel[:, 2:4], sub_gps, 0.25 * spread)
        z = s * (rot[0, 0] + 1j * rot[1, 0])
        ab = (rel[:, 0] + 1j * rel[:, 1]) * z
        centres = rel[:, 2:4] @ (s * rot).T + t
        out[group] = np.column_stack([ab.real, ab.imag, centres])
        scatter.append(sigma_rel * s)
    return out, float(np.median(scatter)) if scatter else 0.0


def components(n: int, pairs: list[PairMatch]) -> list[list[int]]:
    """Connected groups of photos, largest first."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p.i), find(p.j)
        if ra != rb:
            parent[ra] = rb
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=len, reverse=True)
