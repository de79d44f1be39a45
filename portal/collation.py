"""Names in Swedish alphabetical order: Å, Ä and Ö after Z, case and accents set aside.

PostgreSQL sorts a column by its collation, and a database created with the C or C.UTF-8
locale (the default on many servers) puts Ä before Å and every lower-case initial after Z. The
columns people see sorted (organisers, municipalities, counties, school units, partners, and
the names of accounts) are given ICU's Swedish collation by their migrations
(`SwedishCollation`), so every ORDER BY on them and their indexes follow it, whatever locale
the database was created with. SQLite, for local development only, keeps its binary order.
Lists sorted in Python use `swedish_key` (docs/adr/0022-names-in-swedish-order.md).
"""

import logging
import unicodedata

from django.db import migrations

logger = logging.getLogger(__name__)

SWEDISH = "sv-x-icu"  # ICU's Swedish collation, present in PostgreSQL built with ICU

# Swedish letters that sort after Z, in their order; "æ" and "ø" as their Swedish twins.
_AFTER_Z = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"})


def swedish_key(text: str) -> tuple[str, str]:
    """A sort key for names in Swedish order, as the database's Swedish collation sorts them
    for names in the Latin alphabet: case set aside, é as e, Å Ä Ö after Z; ties by the text."""
    folded = text.casefold().translate(_AFTER_Z)
    plain = "".join(
        c for c in unicodedata.normalize("NFD", folded) if unicodedata.category(c) != "Mn"
    )
    return plain, text


class SwedishCollation(migrations.RunPython):
    """Give these text columns ICU's Swedish collation on PostgreSQL (their indexes are
    rebuilt with it); elsewhere nothing. `columns`: (app label, model name, field name)."""

    def __init__(self, columns: list[tuple[str, str, str]]):
        self.columns = columns
        super().__init__(self._swedish, self._default, elidable=False)

    def deconstruct(self):
        return (self.__class__.__name__, [self.columns], {})

    def _swedish(self, apps, schema_editor):
        self._collate(apps, schema_editor, SWEDISH)

    def _default(self, apps, schema_editor):
        self._collate(apps, schema_editor, "default")

    def _collate(self, apps, schema_editor, collation: str) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [SWEDISH])
            if cursor.fetchone() is None:
                logger.warning(
                    "PostgreSQL has no collation %s (built without ICU): names keep the "
                    "database's own order, which may not be Swedish.",
                    SWEDISH,
                )
                return
        quote = schema_editor.quote_name
        for app_label, model_name, field_name in self.columns:
            model = apps.get_model(app_label, model_name)
            field = model._meta.get_field(field_name)
            schema_editor.execute(
                f"ALTER TABLE {quote(model._meta.db_table)} ALTER COLUMN {quote(field.column)} "
                f"TYPE {field.db_type(connection)} COLLATE {quote(collation)}"
            )
