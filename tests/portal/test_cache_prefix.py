"""Two installations sharing one Redis never mix keys (CACHE_KEY_PREFIX)."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django_redis.cache import RedisCache

from reporting import cache as reporting_cache

REDIS = settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"


def test_every_key_carries_the_installations_prefix():
    assert settings.CACHES["default"]["KEY_PREFIX"]
    assert cache.make_key("x").startswith(settings.CACHES["default"]["KEY_PREFIX"] + ":")


@pytest.mark.skipif(not REDIS, reason="needs Redis: set CACHE_URL=redis://...")
def test_two_installations_on_one_redis_keep_apart_and_clear_only_their_own():
    location = settings.CACHES["default"]["LOCATION"]
    other = RedisCache(location, {"KEY_PREFIX": "another-portal"})
    other.set("figures", "theirs")
    cache.set("figures", "ours")
    assert other.get("figures") == "theirs"
    assert cache.get("figures") == "ours"
    reporting_cache.clear()
    assert cache.get("figures") is None
    assert other.get("figures") == "theirs"
    other.delete("figures")
