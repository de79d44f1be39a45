from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = _("Readiness")

    def ready(self):
        from django.db.models.signals import post_save, pre_delete

        from portal.signals import principals_changed
        from principals.models import Principal

        from .models import Assessment
        from .sections import parts

        self.parts = parts()
        # The running tally follows the register, however it changes (readiness/tally.py).
        post_save.connect(_principal_saved, sender=Principal, dispatch_uid="tally-principal")
        principals_changed.connect(_principals_changed, dispatch_uid="tally-principals")
        pre_delete.connect(_assessment_deleting, sender=Assessment, dispatch_uid="tally-delete")


def _principal_saved(*, instance, created, **kwargs) -> None:
    if created:
        return
    from .models import Assessment
    from .tally import sync

    sync(Assessment.objects.filter(principal=instance))


def _principals_changed(*, principal_ids, **kwargs) -> None:
    from .models import Assessment
    from .tally import sync

    sync(Assessment.objects.filter(principal_id__in=list(principal_ids)))


def _assessment_deleting(*, instance, **kwargs) -> None:
    from .tally import forget

    forget([instance.pk])
