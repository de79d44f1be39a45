from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrincipalsConfig(AppConfig):
    name = "principals"
    verbose_name = _("School organisers")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from portal.signals import user_deleting

        from .sections import parts

        self.parts = parts()
        user_deleting.connect(_end_memberships, dispatch_uid="principals-end-memberships")
        # The sign-in cache knows whether a user is a member of any organiser (portal/backends.py).
        for signal in (post_save, post_delete):
            signal.connect(
                _memberships_changed,
                sender="principals.Membership",
                dispatch_uid=f"principals-membership-{signal is post_save}",
            )


def _memberships_changed(**kwargs) -> None:
    from portal.backends import forget_all_users

    forget_all_users()


def _end_memberships(*, user, actor, **kwargs) -> None:
    """Each organisation's history says the member left, as when a membership is removed."""
    from .services import membership_remove

    for membership in user.memberships.all():
        membership_remove(membership=membership, actor=actor)
