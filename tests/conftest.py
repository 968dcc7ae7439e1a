from __future__ import annotations

import pytest
from hypothesis import settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite golden files and rule expectations from the current output.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


# Hypothesis: "ci" (the default) keeps the property tests fast; ``pytest
# --hypothesis-profile long`` runs them at length before a release or after a parser change.
# No deadline: the first example of a parser pays for its import, and a slow example is a
# finding only when it is pathological, which the hostile tests check without timing.
settings.register_profile("ci", max_examples=40, deadline=None)
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile("ci")
