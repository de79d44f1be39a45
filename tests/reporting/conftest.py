"""Every reporting test starts with an empty cache, so no figure leaks from one test to another."""

import pytest

from reporting.cache import clear


@pytest.fixture(autouse=True)
def _empty_cache():
    clear()
    yield
    clear()
