from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from processing.core.detection._common import DetectionError
from processing.core.detection.crack import CrackDetector
from processing.core.detection.learned import TrainingOptions, load_model, train
from processing.core.detection.metrics import PixelScores, pixel_scores

ZERO = PixelScores.from_counts(0, 0, 0, 0)


def test_tolerance_counts_two_pixels_but_not_three():
    truth = np.zeros((40, 40), np.uint8)
    truth[20, 5:35] = 255
    assert pixel_scores(truth, truth).f1 == 1.0
    assert pixel_scores(np.roll(truth, 2, axis=0), truth).f1 == 1.0
    assert pixel_scores(np.roll(truth, 3, axis=0), truth).f1 == 0.0
    assert pixel_scores(np.zeros_like(truth), truth).recall == 0.0
    with pytest.raises(Exception, match="shape"):
        pixel_scores(truth[:10], truth)


def test_untrained_default_beats_canny_on_real_cracks(crack_pairs):
    detector, ours, canny = CrackDetector(), ZERO, ZERO
    for _, img, mask in crack_pairs:
        ours = ours + pixel_scores(detector(img).mask, mask)
        grey = cv2.GaussianBlur(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), (0, 0), 2.0)
        canny = canny + pixel_scores(cv2.Canny(grey, 30, 60), mask)
    assert ours.f1 >= canny.f1 + 0.10, (ours, canny)


def test_tiles_give_the_same_mask_as_one_pass(crack_pairs):
    img = crack_pairs[0][1]
    whole = CrackDetector()(img).mask
    tiled = CrackDetector(tile_size=200)(img).mask
    # tiles normalise their own responses, so a few pixels may differ; most must agree
    assert np.count_nonzero(whole ^ tiled) < 0.25 * max(np.count_nonzero(whole), 1)


def test_parameters_and_inputs_are_checked():
    with pytest.raises(DetectionError):
        CrackDetector(low=5, high=2)
    with pytest.raises(DetectionError):
        CrackDetector(radii=())
    with pytest.raises(DetectionError, match="image"):
        CrackDetector()(np.zeros(5))


def test_learned_model_trains_scores_unseen_image_and_round_trips(crack_pairs, tmp_path):
    fit, held = crack_pairs[:4], crack_pairs[4]
    model = train([p[1] for p in fit], [p[2] for p in fit], TrainingOptions(trees=30, validation_fraction=0.25),
                  description={"note": "test"})
    assert model.training_set["images"] == 4 and model.training_set["note"] == "test"
    assert "f1" in model.validation
    score = pixel_scores(model(held[1]).mask, held[2])
    assert score.f1 > 0.5, score
    path = tmp_path / "m.json"
    model.save(path)
    again = load_model(path)
    assert np.array_equal(again(held[1]).mask, model(held[1]).mask)
    data = json.loads(path.read_text())
    data["kind"] = "hotspot"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data))
    with pytest.raises(DetectionError, match="'hotspot' cannot be used to detect 'crack'"):
        load_model(other)
    junk = tmp_path / "junk.json"
    junk.write_text("not json")
    with pytest.raises(DetectionError, match="not a defect model"):
        load_model(junk)
    with pytest.raises(DetectionError, match="no mask"):
        train([held[1]], [np.zeros_like(held[2])])
