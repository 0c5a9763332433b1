"""Every input the parser fuzzers (bench/fuzz) found a crash with, replayed through the same target: the reader
must now accept it or refuse it with its own error. The fuzzing itself is not run here (docs/security.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.fuzz.targets import TARGETS

KEPT = Path(__file__).resolve().parent.parent / "fuzz_regressions"
CASES = sorted(p for p in KEPT.glob("*/*") if p.is_file() and p.parent.name in TARGETS)


def test_every_kept_input_belongs_to_a_target():
    folders = {p.name for p in KEPT.iterdir() if p.is_dir()}
    assert folders <= set(TARGETS), folders - set(TARGETS)
    assert CASES, "no kept inputs"


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_kept_input_is_accepted_or_refused_clearly(path):
    TARGETS[path.parent.name].run(path.read_bytes())  # any exception escaping a target is a crash


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_pass(name):
    for seed in TARGETS[name].seeds():
        TARGETS[name].run(seed)
