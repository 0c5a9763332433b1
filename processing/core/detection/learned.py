"""The learned crack detector: gradient-boosted trees (LightGBM) on multi-scale filter responses per pixel.

`train(images, masks)` samples every crack pixel and a multiple of background pixels from the training images,
fits the trees, picks the probability threshold that maximises the 2-px-tolerance F1 on a held-out part of the
training images, and returns a `LearnedCrackModel`. `save`/`load_model` keep it in one JSON file with its kind,
its feature settings, the trees (LightGBM's own text format, never pickle), the training set's description and
the validation scores. A file of another kind, or not a model at all, is refused with a DetectionError.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray

from ._common import BoolMask, DetectionError, hysteresis, tiles, to_grey
from .crack import CrackResult
from .features import FeatureSpec, pixel_features
from .metrics import PixelScores, pixel_scores

FORMAT = "skysurvey-defect-model"
FORMAT_VERSION = 1
NAME = "crack-lgbm"
VERSION = "1"
KIND = "crack"


@dataclass(frozen=True)
class TrainingOptions:
    negatives_per_positive: float = 3.0
    trees: int = 200
    leaves: int = 31
    learning_rate: float = 0.1
    validation_fraction: float = 0.2
    min_area: int = 30
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.5 <= self.negatives_per_positive <= 50:
            raise DetectionError("negatives_per_positive must be from 0.5 to 50")
        if not 10 <= self.trees <= 5000 or not 4 <= self.leaves <= 1024:
            raise DetectionError("trees must be 10..5000 and leaves 4..1024")
        if not 0 < self.learning_rate <= 1:
            raise DetectionError("learning_rate must be in (0, 1]")
        if not 0 <= self.validation_fraction < 1:
            raise DetectionError("validation_fraction must be in [0, 1)")
        if self.min_area < 1:
            raise DetectionError("min_area must be at least one pixel")


@dataclass(frozen=True)
class LearnedCrackModel:
    booster: lgb.Booster
    spec: FeatureSpec
    threshold: float
    min_area: int
    training_set: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    tile_size: int = 1024

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise DetectionError("the threshold must be a probability between 0 and 1")
        if self.tile_size < 64:
            raise DetectionError("tile_size must be at least 64 pixels")

    @property
    def name(self) -> str:
        return NAME

    def probability(self, image: NDArray[np.generic]) -> NDArray[np.float32]:
        grey = to_grey(image)
        h, w = grey.shape
        out = np.zeros((h, w), dtype=np.float32)
        for t in tiles(h, w, self.tile_size, self.spec.margin):
            window = np.ascontiguousarray(grey[t.wy0 : t.wy1, t.wx0 : t.wx1])
            feats = t.core_of(pixel_features(window, self.spec))
            p = np.asarray(self.booster.predict(feats.reshape(-1, feats.shape[-1])), dtype=np.float32)
            out[t.y0 : t.y1, t.x0 : t.x1] = p.reshape(feats.shape[:2])
        return out

    def __call__(self, image: NDArray[np.generic]) -> CrackResult:
        p = self.probability(image)
        return CrackResult(_postprocess(p, self.threshold, self.min_area), NAME, VERSION)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": KIND, "detector": NAME,
                "version": VERSION, "created_at": self.created_at, "threshold": self.threshold,
                "min_area": self.min_area, "features": self.spec.as_dict(), "training_set": self.training_set,
                "validation": self.validation, "booster": self.booster.model_to_string()}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json()), encoding="utf-8")


def _postprocess(p: NDArray[np.float32], threshold: float, min_area: int) -> BoolMask:
    weak = p >= threshold
    return hysteresis(weak, weak, min_area)


def load_model(path: Path, *, kind: str = KIND) -> LearnedCrackModel:
    """Read a model file; a file that is not a defect model, or is one of another kind, is refused."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DetectionError(f"{Path(path).name}: not a defect model file ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DetectionError(f"{Path(path).name}: not a defect model file")
    if data.get("format_version") != FORMAT_VERSION:
        raise DetectionError(f"{Path(path).name}: model format version {data.get('format_version')} is not supported")
    if data.get("kind") != kind:
        raise DetectionError(f"{Path(path).name}: a model for '{data.get('kind')}' cannot be used to detect '{kind}'")
    try:
        booster = lgb.Booster(model_str=data["booster"])
        spec = FeatureSpec.from_dict(data["features"])
        model = LearnedCrackModel(booster, spec, float(data["threshold"]), int(data["min_area"]),
                                  dict(data.get("training_set", {})), dict(data.get("validation", {})),
                                  str(data.get("created_at", "")))
    except (KeyError, TypeError, ValueError, lgb.basic.LightGBMError) as exc:
        raise DetectionError(f"{Path(path).name}: the model file is damaged ({exc})") from exc
    if booster.num_feature() != spec.count:
        raise DetectionError(f"{Path(path).name}: the trees expect {booster.num_feature()} features, not {spec.count}")
    return model


def _check_pairs(images: Sequence[NDArray[np.generic]], masks: Sequence[NDArray[np.generic]]) -> None:
    if len(images) != len(masks) or not images:
        raise DetectionError(f"need the same number of images and masks (got {len(images)} and {len(masks)})")
    for i, (img, m) in enumerate(zip(images, masks, strict=True)):
        if np.asarray(img).shape[:2] != np.asarray(m).shape[:2]:
            raise DetectionError(f"image {i} and its mask differ in size")


def _sample(grey_images: Sequence[NDArray[np.float32]], masks: Sequence[NDArray[np.generic]], spec: FeatureSpec,
            ratio: float, rng: np.random.Generator) -> tuple[NDArray[np.float32], NDArray[np.uint8]]:
    xs: list[NDArray[np.float32]] = []
    ys: list[NDArray[np.uint8]] = []
    for grey, mask in zip(grey_images, masks, strict=True):
        truth = np.asarray(mask)
        truth = (truth if truth.ndim == 2 else truth[..., 0]) != 0
        feats = pixel_features(grey, spec).reshape(-1, spec.count)
        flat = truth.reshape(-1)
        pos = np.flatnonzero(flat)
        neg = np.flatnonzero(~flat)
        n_neg = min(len(neg), max(int(len(pos) * ratio), 200))
        neg = rng.choice(neg, size=n_neg, replace=False)
        idx = np.concatenate([pos, neg])
        xs.append(feats[idx])
        ys.append(flat[idx].astype(np.uint8))
    return np.concatenate(xs), np.concatenate(ys)


def _best_threshold(probs: Sequence[NDArray[np.float32]], masks: Sequence[NDArray[np.generic]],
                    min_area: int) -> tuple[float, PixelScores]:
    best: tuple[float, PixelScores] | None = None
    for th in np.arange(0.3, 0.96, 0.05):
        total = PixelScores.from_counts(0, 0, 0, 0)
        for p, m in zip(probs, masks, strict=True):
            total = total + pixel_scores(_postprocess(p, float(th), min_area), np.asarray(m))
        if best is None or total.f1 > best[1].f1:
            best = (round(float(th), 2), total)
    assert best is not None
    return best


def train(images: Sequence[NDArray[np.generic]], masks: Sequence[NDArray[np.generic]],
          options: TrainingOptions | None = None, spec: FeatureSpec | None = None,
          description: dict[str, Any] | None = None) -> LearnedCrackModel:
    """Fit a model on images and their masks (non-zero = crack). Needs at least one mask with crack pixels."""
    opts = options or TrainingOptions()
    spec = spec or FeatureSpec()
    _check_pairs(images, masks)
    if not any(np.count_nonzero(m) for m in masks):
        raise DetectionError("no mask has any crack pixels: nothing to learn from")
    rng = np.random.default_rng(opts.seed)
    greys = [to_grey(img) for img in images]
    order = rng.permutation(len(greys))
    n_val = round(len(greys) * opts.validation_fraction) if len(greys) >= 3 else 0
    val_idx, fit_idx = order[:n_val], order[n_val:]
    x, y = _sample([greys[i] for i in fit_idx], [masks[i] for i in fit_idx], spec, opts.negatives_per_positive, rng)
    params = {"objective": "binary", "num_leaves": opts.leaves, "learning_rate": opts.learning_rate,
              "min_data_in_leaf": 50, "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1,
              "seed": opts.seed, "num_threads": 1, "verbose": -1, "deterministic": True}
    booster = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=opts.trees)
    partial = LearnedCrackModel(booster, spec, 0.5, opts.min_area)
    validation: dict[str, Any] = {"images": int(n_val), "tolerance_px": 2.0}
    threshold = 0.5
    if n_val:
        probs = [partial.probability(greys[i]) for i in val_idx]
        threshold, scores = _best_threshold(probs, [masks[i] for i in val_idx], opts.min_area)
        validation.update(precision=round(scores.precision, 4), recall=round(scores.recall, 4),
                          f1=round(scores.f1, 4), note="held out of the fit; used to choose the threshold")
    training_set = {"images": len(greys), "fitted_on": len(fit_idx), "validated_on": int(n_val),
                    "crack_pixels": int(sum(int(np.count_nonzero(m)) for m in masks)),
                    "sampled_pixels": len(y), **(description or {})}
    return LearnedCrackModel(booster, spec, threshold, opts.min_area, training_set, validation,
                             datetime.now(UTC).isoformat(timespec="seconds"))
