from django.db import migrations

from principals.reference import load_reference_data


def load(apps, schema_editor):
    load_reference_data(apps.get_model("principals", "County"), apps.get_model("principals", "Municipality"))


class Migration(migrations.Migration):
    dependencies = [("principals", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
