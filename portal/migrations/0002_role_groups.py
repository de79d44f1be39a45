from django.contrib.auth.management import create_permissions
from django.db import migrations

from portal.roles import GROUP_PERMISSIONS, ensure_role_groups


def create_groups(apps, schema_editor):
    portal_config = apps.get_app_config("portal")
    portal_config.models_module = True
    create_permissions(portal_config, verbosity=0, apps=apps)
    portal_config.models_module = None
    ensure_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
