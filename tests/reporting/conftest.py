"""Every reporting test starts with an empty cache, so no figure leaks from one test to another."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()
