"""Global alignment: every photo's similarity transform solved at once by robust (IRLS) least squares.

Each photo i maps its normalised pixel coordinates (u, v) = ((x - cx) / K, -(y - cy) / K) to ground metres
(relative to a local origin) by  E = a u - b v + tx,  N = b u + a v + ty.  (tx, ty) is then the placed photo
centre, sqrt(a^2 + b^2) / K its ground sample distance, atan2(b, a) its heading.

Observations, all linear in the unknowns:
- every inlier correspondence of a matched pair: photo i and photo j put the point at the same ground position;
- a weak prior per photo: its centre lies at its GPS position (sigma = gps_sigma_m); this georeferences the block,
  stops drift and fits the global scale to the GPS layout (GPS altitude, which drifts, is never used);
- optional ground control points: a photo pixel at a surveyed easting/northing (strong prior).
The normal matrix is 4n x 4n and block-sparse; n is a few hundred at most, so a dense solve is milliseconds.
Huber re-weighting makes both the matches and the GPS priors robust to outliers.
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


@dataclass
class Solution:
    params: np.ndarray  # (n, 4): a, b, tx, ty
    pair_rms: np.ndarray  # (len(pairs),) metres
    point_residuals: list[np.ndarray]  # per pair, metres per correspondence

    def gsd(self, i: int) -> float:
        a, b = self.params[i, :2]
        return float(np.hypot(a, b) / K)


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
    for pair, jac, w in zip(pairs, jacobians, match_w):
        idx = np.r_[4 * pair.i:4 * pair.i + 4, 4 * pair.j:4 * pair.j + 4]
        h[np.ix_(idx, idx)] += jac.T @ (jac * (w / sigma_match**2)[:, None])
    return h


def _residuals(pairs: list[PairMatch], jacobians: list[np.ndarray], params: np.ndarray) -> list[np.ndarray]:
    out = []
    for pair, jac in zip(pairs, jacobians):
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


def solve(frames: list[Frame], pairs: list[PairMatch], gcps: list[Gcp], *, gps_sigma: float,
          gcp_sigma: float, iterations: int = 4) -> Solution:
    """Relative block from the images, fitted to GPS by one similarity, then refined with weak GPS priors."""
    n = len(frames)
    jacobians = [_pair_jacobian(frames, p) for p in pairs]
    gps = np.array([f.gps for f in frames], float).reshape(n, 2)
    rel, sigma_rel = _relative(n, pairs, jacobians)
    s, rot, t = _fit_similarity(rel[:, 2:4], gps, 2.0 * gps_sigma)
    # the similarity applied to every photo: a + ib is multiplied by s e^{i theta}, centres are moved
    z = s * (rot[0, 0] + 1j * rot[1, 0])
    ab = (rel[:, 0] + 1j * rel[:, 1]) * z
    centres = rel[:, 2:4] @ (s * rot).T + t
    params = np.column_stack([ab.real, ab.imag, centres])
    sigma_match = max(sigma_rel * s, 0.01)  # metres: match scatter at the fitted scale, fixed from here on
    match_w = [np.tile(_huber(r, 2.0 * sigma_match), 2) for r in _residuals(pairs, jacobians, params)]
    prior_w = _huber(np.hypot(*(params[:, 2:4] - gps).T), 2.0 * gps_sigma)
    for _ in range(iterations):
        h = _normal_equations(n, pairs, jacobians, match_w, sigma_match)
        g = np.zeros(4 * n)
        wp = prior_w / gps_sigma**2
        diag = np.arange(n) * 4
        h[diag + 2, diag + 2] += wp
        h[diag + 3, diag + 3] += wp
        g[diag + 2] += wp * gps[:, 0]
        g[diag + 3] += wp * gps[:, 1]
        for gcp in gcps:
            u, v = normalise(frames[gcp.photo], np.array([[gcp.x, gcp.y]]))
            jac = np.array([[u[0], -v[0], 1.0, 0.0], [v[0], u[0], 0.0, 1.0]])
            idx = np.arange(4 * gcp.photo, 4 * gcp.photo + 4)
            h[np.ix_(idx, idx)] += jac.T @ jac / gcp_sigma**2
            g[idx] += jac.T @ gcp.target / gcp_sigma**2
        h[np.arange(4 * n), np.arange(4 * n)] += 1e-9
        params = np.linalg.solve(h, g).reshape(n, 4)
        residuals = _residuals(pairs, jacobians, params)
        match_w = [np.tile(_huber(r, 2.0 * sigma_match), 2) for r in residuals]
        prior_w = _huber(np.hypot(*(params[:, 2:4] - gps).T), 2.0 * gps_sigma)
    residuals = _residuals(pairs, jacobians, params)
    pair_rms = np.array([float(np.sqrt(np.mean(r**2))) if len(r) else 0.0 for r in residuals])
    return Solution(params=params, pair_rms=pair_rms, point_residuals=residuals)


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


def photo_to_world(params: np.ndarray, frame: Frame) -> np.ndarray:
    """3x3 matrix taking full-resolution pixel (x, y, 1) to local ground metres (E, N, 1)."""
    a, b, tx, ty = params
    cx, cy = (frame.width - 1) / 2.0, (frame.height - 1) / 2.0
    to_uv = np.array([[1 / K, 0, -cx / K], [0, -1 / K, cy / K], [0, 0, 1]])
    sim = np.array([[a, -b, tx], [b, a, ty], [0, 0, 1]])
    return sim @ to_uv


def corners_world(params: np.ndarray, frame: Frame) -> np.ndarray:
    m = photo_to_world(params, frame)
    w, h = frame.width, frame.height
    pts = np.array([[-0.5, -0.5, 1], [w - 0.5, -0.5, 1], [w - 0.5, h - 0.5, 1], [-0.5, h - 0.5, 1]]).T
    return (m @ pts)[:2].T
