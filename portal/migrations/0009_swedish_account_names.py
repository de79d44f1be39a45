"""Accounts' first and last names sorted in Swedish order on PostgreSQL (portal/collation.py):
lists of members and contacts are ordered by them."""

from django.db import migrations

from portal.collation import SwedishCollation


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0008_retention_and_feedback"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [SwedishCollation([("auth", "User", "first_name"), ("auth", "User", "last_name")])]
