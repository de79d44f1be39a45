"""The portal's own background tasks (django.tasks; a worker runs them: `manage.py worker`)."""

from django.tasks import task

from . import outbox


@task(queue_name="mail")
def deliver_mail() -> dict[str, int]:
    """Send every due message; several of these may run at once on several workers."""
    return dict(outbox.deliver_due().counts)


@task()
def retention_purge() -> dict[str, int]:
    """Personal data past its period removed (docs/privacy.md); a daily schedule enqueues it."""
    from .retention import retention_purge as purge

    return purge().counts
