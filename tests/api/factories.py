"""API keys for tests, made through the service (so they are as a person makes them)."""

import datetime

from django.utils import timezone

from api import services


def make_key(user, *, principal=None, scope="write", days=30, name="Testsystem") -> str:
    _key, secret = services.key_create(
        name=name,
        scope=scope,
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
        principal=principal,
        actor=user,
    )
    return secret


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
