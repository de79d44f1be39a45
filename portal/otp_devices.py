"""The second factor's device, read once per sign-in rather than on every page.

django-otp's middleware reads the device the session was verified with on every request of a
staff or government user (one query each time). With a cache all processes share
(settings.SHARED_CACHE) the device's row is kept there by its persistent id, and every save or
deletion of a device removes it (at once, and again after the commit), so a removed or
unconfirmed device ends its sessions' verification on the next request in every process, as
before. Without a shared cache each request reads the database, as django-otp does.
"""

import contextlib

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

# An entry outlives no change it was told about; this bounds one it was not (raw SQL).
TIMEOUT = 60 * 5


def _key(persistent_id: str) -> str:
    return f"portal:otp:device:v1:{persistent_id}"


def device_for(persistent_id: str) -> Device | None:
    """Device.from_persistent_id, from the shared cache while the device is unchanged."""
    if not settings.SHARED_CACHE:
        return Device.from_persistent_id(persistent_id)
    found = cache.get(_key(persistent_id))
    if found is not None:
        label, fields, values = found
        model = apps.get_model(label)
        return model.from_db(model.objects.db, fields, values)
    device = Device.from_persistent_id(persistent_id)
    if device is not None:
        fields = [f.attname for f in type(device)._meta.concrete_fields]
        entry = (device._meta.label, fields, [getattr(device, name) for name in fields])
        cache.set(_key(device.persistent_id), entry, TIMEOUT)
    return device


class CachedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, reading the session's device through device_for."""

    def _device_from_persistent_id(self, persistent_id: str):
        return device_for(self._normalize_persistent_id(persistent_id))


def connect_signals() -> None:
    """Forget a device whenever one is saved or deleted: connected per device model (a
    receiver for every model would stop Django's fast deletes everywhere)."""
    for model in apps.get_models():
        if issubclass(model, Device):
            for signal in (post_save, post_delete):
                signal.connect(
                    _device_changed, sender=model, dispatch_uid=f"otp-{model._meta.label}"
                )


def _device_changed(sender, instance, **kwargs) -> None:
    if not settings.SHARED_CACHE:
        return
    key = _key(instance.persistent_id)

    def forget():
        with contextlib.suppress(Exception):  # the cache gone: nothing kept to forget
            cache.delete(key)

    forget()
    transaction.on_commit(forget)
