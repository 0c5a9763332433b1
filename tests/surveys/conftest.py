"""Fixtures for the surveys tests: the shared cast and a survey of a request flown by the cast's supplier."""

from __future__ import annotations

import pytest

from surveys.models import Survey
from tests.factories import Cast, make_cast

from .helpers import make_delivery


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


@pytest.fixture
def survey(cast) -> Survey:
    return make_delivery(cast)
