"""Organisers, municipalities, counties and school units sorted by name in Swedish order on
PostgreSQL (portal/collation.py)."""

from django.db import migrations

from portal.collation import SwedishCollation


class Migration(migrations.Migration):
    dependencies = [
        ("principals", "0005_principal_name_index"),
    ]

    operations = [
        SwedishCollation(
            [
                ("principals", "Principal", "name"),
                ("principals", "Municipality", "name"),
                ("principals", "County", "name"),
                ("principals", "SchoolUnit", "name"),
            ]
        ),
    ]
