"""On PostgreSQL every query is bound on the server, so a repeated one is prepared once and
not planned again (docs/adr/0021-queries-bound-on-the-server.md)."""

from django.db import connection

from principals.models import Principal
from tests.principals.factories import PrincipalFactory


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_repeated_query_is_prepared_with_its_parameters_on_the_server(postgres_only):
    principal = PrincipalFactory(name="Förberedda skolan AB")
    for _ in range(6):  # prepared on its fifth run (prepare_threshold)
        # The same query each time, with a parameter (the pk) bound on the server.
        assert Principal.objects.filter(pk=principal.pk).values_list("name", flat=True).get() == (
            "Förberedda skolan AB"
        )
    statements = [s for s in _prepared() if '"principals_principal"."name"' in s]
    assert statements, _prepared()
    assert "$1" in statements[0]  # the pk is a parameter of the plan, not part of the text


def test_a_query_with_parameters_in_group_by_still_runs(postgres_only):
    """What Django documents as failing with server-side binding: a parameter in an expression
    that is grouped by. The portal's counts group by columns, not by such expressions."""
    from django.db.models import Count, Value
    from django.db.models.functions import Concat

    PrincipalFactory(name="Gruppskolan AB")
    grouped = (
        Principal.objects.annotate(label=Concat("status", Value("-")))
        .values("label")
        .annotate(n=Count("pk"))
    )
    assert sum(row["n"] for row in grouped) == Principal.objects.count()
