"""Permissions named in Swedish, as the admin shows them when groups and users are edited.

Django stores a permission's name once, when `migrate` creates it: its default permissions
as "Can add <model>" in English, ours in whatever language was active. After every migrate
this names them all in the site's language (LANGUAGE_CODE), from the models' own names.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

ACTIONS = {
    "add": "Can add %(model)s",
    "change": "Can change %(model)s",
    "delete": "Can delete %(model)s",
    "view": "Can view %(model)s",
}


def name_permissions(*, app_config=None, using: str = "default", **_kwargs) -> None:
    """For one app after its migrations (post_migrate, after auth has created its
    permissions), or for every app when called without one."""
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    models = app_config.get_models() if app_config is not None else apps.get_models()
    with translation.override(settings.LANGUAGE_CODE):
        for model in models:
            content_type = ContentType.objects.db_manager(using).get_for_model(
                model, for_concrete_model=False
            )
            names = {
                f"{action}_{model._meta.model_name}": gettext(text)
                % {"model": model._meta.verbose_name}
                for action, text in ACTIONS.items()
                if action in model._meta.default_permissions
            }
            names.update({code: str(name) for code, name in model._meta.permissions})
            for permission in Permission.objects.using(using).filter(
                content_type=content_type, codename__in=names
            ):
                name = names[permission.codename][:255]
                if permission.name != name:
                    permission.name = name
                    permission.save(update_fields=["name"])
