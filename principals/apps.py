from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrincipalsConfig(AppConfig):
    name = "principals"
    verbose_name = _("School organisers")

    def ready(self):
        from portal.signals import user_deleting

        from .sections import parts

        self.parts = parts()
        user_deleting.connect(_end_memberships, dispatch_uid="principals-end-memberships")


def _end_memberships(*, user, actor, **kwargs) -> None:
    """Each organisation's history says the member left, as when a membership is removed."""
    from .services import membership_remove

    for membership in user.memberships.all():
        membership_remove(membership=membership, actor=actor)
