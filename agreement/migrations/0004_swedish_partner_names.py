"""Partners sorted by name in Swedish order on PostgreSQL (portal/collation.py)."""

from django.db import migrations

from portal.collation import SwedishCollation


class Migration(migrations.Migration):
    dependencies = [
        ("agreement", "0003_remove_agreement_status"),
    ]

    operations = [SwedishCollation([("agreement", "Partner", "name")])]
