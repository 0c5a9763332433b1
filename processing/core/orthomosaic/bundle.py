"""Planar bundle adjustment: a pinhole pose per photo over a flat ground, fitted to matches and GPS.

Cameras without a gimbal tilt with the airframe, and a tilted photo is a perspective view of the ground, not a
similarity: its footprint is a trapezoid and its centre is metres away from the point below the camera. So after
the linear similarity solve (alignment.py) gives a drift-free start, every photo gets a pose (tilts omega, phi,
heading kappa, camera position X, Y, height Z over the ground plane Z = 0) and all poses are refined together
by Levenberg-Marquardt with Huber weights on:
- matches: both photos must put a tie point at the same ground position; the difference is divided by the pair's
  mean ground pixel size, so it is in pixels and does not shrink when the block is scaled down;
- GPS: the camera's horizontal position (not the photo centre) lies at its GPS fix, sigma gps_sigma_m; GPS
  altitude is not used, heights come from the image scale against the GPS layout;
- a weak prior keeping tilts near nadir (sigma ~11 degrees), which also steadies weakly determined tilts;
- optional ground control points.
Jacobians are numeric (forward differences, vectorised over all tie points); the normal matrix is 6n x 6n.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .alignment import Frame, Gcp, K
from .matching import PairMatch

TILT_SIGMA = 0.2  # radians
HUBER_PX = 3.0
_R0 = np.array([[1.0, 0, 0], [0, -1.0, 0], [0, 0, -1.0]])  # world (E, N, Up) -> camera looking straight down


@dataclass
class Poses:
    params: np.ndarray  # (n, 6): omega, phi, kappa, X, Y, Z
    focal: np.ndarray  # (n,) focal length in full-resolution pixels
    centre: np.ndarray  # (n, 2) principal point (image centre)

    def rotation(self, i: int) -> NDArray[np.float64]:
        rotation: NDArray[np.float64] = _rotations(self.params[i:i + 1])[0]
        return rotation

    def ground_to_image(self, i: int) -> NDArray[np.float64]:
        """3x3 homography from local ground (E, N, 1) to full-resolution pixel (x, y, 1)."""
        x, y, z = self.params[i, 3:6]
        k = np.array([[self.focal[i], 0, self.centre[i, 0]], [0, self.focal[i], self.centre[i, 1]], [0, 0, 1]])
        homography: NDArray[np.float64] = k @ self.rotation(i) @ np.array([[1.0, 0, -x], [0, 1.0, -y], [0, 0, -z]])
        return homography

    def image_to_ground(self, i: int) -> NDArray[np.floating[Any]]:
        return np.linalg.inv(self.ground_to_image(i))

    def tilt_deg(self, i: int) -> float:
        axis = self.rotation(i).T @ np.array([0, 0, 1.0])  # optical axis in the world
        return float(np.degrees(np.arccos(np.clip(-axis[2], -1, 1))))

    def gsd(self, i: int) -> float:
        return float(self.params[i, 5] / self.focal[i])


def _rotations(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """World -> camera rotations for parameter rows (omega, phi, kappa, ...), vectorised."""
    o, f, k = p[:, 0], p[:, 1], p[:, 2]
    co, so, cf, sf, ck, sk = np.cos(o), np.sin(o), np.cos(f), np.sin(f), np.cos(k), np.sin(k)
    one, zero = np.ones_like(o), np.zeros_like(o)
    rx = np.stack([one, zero, zero, zero, co, -so, zero, so, co], -1).reshape(-1, 3, 3)
    ry = np.stack([cf, zero, sf, zero, one, zero, -sf, zero, cf], -1).reshape(-1, 3, 3)
    rz = np.stack([ck, -sk, zero, sk, ck, zero, zero, zero, one], -1).reshape(-1, 3, 3)
    rotations: NDArray[np.float64] = rx @ ry @ rz @ _R0
    return rotations


def _ground(p: np.ndarray, focal: np.ndarray, centre: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Where each pixel's ray meets the ground; p, focal, centre are per point (already indexed)."""
    rot = _rotations(p)
    d_cam = np.column_stack([(pts[:, 0] - centre[:, 0]) / focal, (pts[:, 1] - centre[:, 1]) / focal,
                             np.ones(len(pts))])
    d = np.einsum("nji,nj->ni", rot, d_cam)  # R^T d_cam
    dz = np.where(d[:, 2] < -1e-6, d[:, 2], -1e-6)  # rays above the horizon are clamped far away
    lam = -p[:, 5] / dz
    return np.column_stack([p[:, 3] + lam * d[:, 0], p[:, 4] + lam * d[:, 1]])


def init_poses(frames: list[Frame], similarity: np.ndarray, focal: np.ndarray) -> Poses:
    """Nadir poses from the similarity solution: heading from its rotation, height from its scale."""
    a, b = similarity[:, 0], similarity[:, 1]
    kappa = np.arctan2(b, a)
    z = focal * np.hypot(a, b) / K
    params = np.column_stack([np.zeros(len(a)), np.zeros(len(a)), kappa, similarity[:, 2], similarity[:, 3], z])
    centre = np.array([[(f.width - 1) / 2.0, (f.height - 1) / 2.0] for f in frames])
    return Poses(params=params, focal=np.asarray(focal, float), centre=centre)


def adjust(frames: list[Frame], pairs: list[PairMatch], gcps: list[Gcp], poses: Poses, *, gps_sigma: float,
           gcp_sigma: float, iterations: int = 12) -> tuple[Poses, list[np.ndarray]]:
    """Levenberg-Marquardt over all poses; returns refined poses and per-pair residuals (pixels)."""
    n = len(frames)
    gps = np.array([f.gps for f in frames], float)
    ii = np.concatenate([np.full(len(p.points_i), p.i) for p in pairs]) if pairs else np.zeros(0, int)
    jj = np.concatenate([np.full(len(p.points_j), p.j) for p in pairs]) if pairs else np.zeros(0, int)
    pi = np.vstack([p.points_i for p in pairs]) if pairs else np.zeros((0, 2))
    pj = np.vstack([p.points_j for p in pairs]) if pairs else np.zeros((0, 2))
    gi = np.array([g.photo for g in gcps], int)
    gp = np.array([[g.x, g.y] for g in gcps], float).reshape(-1, 2)
    gt = np.array([g.target for g in gcps], float).reshape(-1, 2)
    focal, centre = poses.focal, poses.centre

    def residuals(params: np.ndarray) -> tuple[np.ndarray, ...]:
        gi_ = _ground(params[ii], focal[ii], centre[ii], pi)
        gj_ = _ground(params[jj], focal[jj], centre[jj], pj)
        scale = 2.0 / (params[ii, 5] / focal[ii] + params[jj, 5] / focal[jj])  # pixels per metre
        r_match = (gi_ - gj_) * scale[:, None]
        r_gps = (params[:, 3:5] - gps) / gps_sigma
        r_tilt = params[:, 0:2] / TILT_SIGMA
        r_gcp = (_ground(params[gi], focal[gi], centre[gi], gp) - gt) / gcp_sigma if len(gi) else np.zeros((0, 2))
        return r_match, r_gps, r_tilt, r_gcp

    def weights(r_match: np.ndarray, r_gps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        wm = np.minimum(1.0, HUBER_PX / np.maximum(np.hypot(*r_match.T), 1e-12))
        wg = np.minimum(1.0, 2.0 / np.maximum(np.hypot(*r_gps.T), 1e-12))
        return wm, wg

    def cost(params: np.ndarray, wm: np.ndarray, wg: np.ndarray) -> float:
        rm, rg, rt, rc = residuals(params)
        return float((wm * (rm**2).sum(1)).sum() + (wg * (rg**2).sum(1)).sum() + (rt**2).sum() + (rc**2).sum())

    params = poses.params.copy()
    steps = np.array([1e-5, 1e-5, 1e-5, 1e-3, 1e-3, 1e-3])
    lam = 1e-3
    size = 6 * n
    rm, rg, rt, rc = residuals(params)
    wm, wg = weights(rm, rg)
    current = cost(params, wm, wg)
    for _ in range(iterations):
        # d(match residual)/d(params of photo i) and of photo j, by forward differences, all points at once
        jac_i = np.zeros((len(ii), 2, 6))
        jac_j = np.zeros((len(jj), 2, 6))
        jac_c = np.zeros((len(gi), 2, 6))
        for k in range(6):
            bumped = params.copy()
            bumped[:, k] += steps[k]
            side_i = params.copy()
            side_i[ii, :] = params[ii, :]
            rm_i = _match_with(bumped, params, ii, jj, focal, centre, pi, pj)
            rm_j = _match_with(params, bumped, ii, jj, focal, centre, pi, pj)
            jac_i[:, :, k] = (rm_i - rm) / steps[k]
            jac_j[:, :, k] = (rm_j - rm) / steps[k]
            if len(gi):
                jac_c[:, :, k] = ((_ground(bumped[gi], focal[gi], centre[gi], gp) - gt) / gcp_sigma - rc) / steps[k]
        h = np.zeros((size, size))
        g = np.zeros(size)
        w2 = wm[:, None, None]
        blocks = {
            (0, 0): np.einsum("nri,nrj->nij", jac_i * w2, jac_i),
            (0, 1): np.einsum("nri,nrj->nij", jac_i * w2, jac_j),
            (1, 1): np.einsum("nri,nrj->nij", jac_j * w2, jac_j),
        }
        idx = (ii, jj)
        for (a, b), blk in blocks.items():
            rows = (idx[a][:, None, None] * 6 + np.arange(6)[None, :, None])
            cols = (idx[b][:, None, None] * 6 + np.arange(6)[None, None, :])
            flat = np.bincount((rows * size + cols).ravel(), weights=blk.ravel(), minlength=size * size)
            flat = flat.reshape(size, size)
            h += flat if a == b else flat + flat.T
        g += np.bincount((ii[:, None] * 6 + np.arange(6)).ravel(),
                         weights=np.einsum("nri,nr->ni", jac_i * w2, rm).ravel(), minlength=size)
        g += np.bincount((jj[:, None] * 6 + np.arange(6)).ravel(),
                         weights=np.einsum("nri,nr->ni", jac_j * w2, rm).ravel(), minlength=size)
        diag = np.arange(n) * 6
        for k, axis in ((3, 0), (4, 1)):
            h[diag + k, diag + k] += wg / gps_sigma**2
            g[diag + k] += wg * rg[:, axis] / gps_sigma
        for k in (0, 1):
            h[diag + k, diag + k] += 1.0 / TILT_SIGMA**2
            g[diag + k] += rt[:, k] / TILT_SIGMA
        for m, photo in enumerate(gi):
            idx_c = np.arange(6 * photo, 6 * photo + 6)
            h[np.ix_(idx_c, idx_c)] += jac_c[m].T @ jac_c[m]
            g[idx_c] += jac_c[m].T @ rc[m]
        improved = False
        for _attempt in range(6):
            damped = h + lam * np.diag(np.maximum(np.diag(h), 1e-9))
            try:
                delta = np.linalg.solve(damped, -g)
            except np.linalg.LinAlgError:
                lam *= 10
                continue
            trial = params + delta.reshape(n, 6)
            trial[:, 5] = np.maximum(trial[:, 5], 1e-3)
            new_cost = cost(trial, wm, wg)
            if new_cost < current:
                params, lam, improved = trial, max(lam / 3, 1e-7), True
                break
            lam *= 10
        rm, rg, rt, rc = residuals(params)
        wm, wg = weights(rm, rg)
        previous, current = current, cost(params, wm, wg)
        if not improved or abs(previous - current) < 1e-6 * max(previous, 1.0):
            break
    rm = residuals(params)[0]
    per_pair = np.split(np.hypot(*rm.T), np.cumsum([len(p.points_i) for p in pairs])[:-1]) if pairs else []
    return Poses(params=params, focal=focal, centre=centre), per_pair


def _match_with(p_i: np.ndarray, p_j: np.ndarray, ii: np.ndarray, jj: np.ndarray, focal: np.ndarray,
                centre: np.ndarray, pi: np.ndarray, pj: np.ndarray) -> NDArray[np.float64]:
    gi_ = _ground(p_i[ii], focal[ii], centre[ii], pi)
    gj_ = _ground(p_j[jj], focal[jj], centre[jj], pj)
    scale = 2.0 / (p_i[ii, 5] / focal[ii] + p_j[jj, 5] / focal[jj])
    mismatch: NDArray[np.float64] = (gi_ - gj_) * scale[:, None]
    return mismatch
