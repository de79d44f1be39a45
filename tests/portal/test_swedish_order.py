"""Names sort in Swedish order: Å, Ä, Ö after Z, case and accents set aside (portal/collation.py).
On PostgreSQL the columns carry ICU's Swedish collation whatever locale the database has."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from portal.collation import SWEDISH, swedish_key
from principals.models import Municipality, Principal
from tests.portal.factories import UserFactory
from tests.principals.factories import MembershipFactory, PrincipalFactory

pytestmark = pytest.mark.django_db

# In Swedish order; a C-locale database gives Ä before Å and "ale" after Z.
NAMES = ["ale skola", "Alingsås skola", "Émile skola", "Zinkgruvans skola", "Åmåls skola",
         "Ängelholms skola", "Örebro skola"]  # fmt: skip


def test_the_python_key_sorts_swedish_names_in_swedish_order():
    shuffled = NAMES[3:] + NAMES[:3]
    assert sorted(shuffled, key=swedish_key) == NAMES
    assert sorted(["Öberg", "Ostberg", "Åberg", "Aberg", "Äng"], key=swedish_key) == [
        "Aberg",
        "Ostberg",
        "Åberg",
        "Äng",
        "Öberg",
    ]


def test_the_database_sorts_names_as_the_python_key_does(postgres_only):
    assert SWEDISH == "sv-x-icu"  # the collation the query spells out
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT name FROM unnest(%s::text[]) AS t(name) ORDER BY name COLLATE "sv-x-icu"',
            [list(reversed(NAMES))],
        )
        assert [row[0] for row in cursor.fetchall()] == NAMES


def test_the_register_lists_organisers_in_swedish_order(postgres_only, login, staff):
    for name in reversed(NAMES):
        PrincipalFactory(name=name)
    assert list(Principal.objects.values_list("name", flat=True)) == NAMES  # Meta.ordering
    page = login(staff).get(reverse("principals:principal-list")).text
    assert re.findall(r'/huvudman/\d+/">([^<]+)<', page) == NAMES
    # Descending too, and the unique-free index on the name follows the same collation.
    descending = login(staff).get(reverse("principals:principal-list"), {"sort": "-name"}).text
    assert re.findall(r'/huvudman/\d+/">([^<]+)<', descending) == NAMES[::-1]


def test_municipalities_and_members_are_in_swedish_order(postgres_only, login, staff):
    from principals.selectors import members_of

    names = list(Municipality.objects.values_list("name", flat=True))
    assert names == sorted(names, key=swedish_key)
    assert names.index("Åmål") < names.index("Ängelholm") < names.index("Örebro")
    assert names.index("Ystad") < names.index("Åmål")  # reference data: all 290
    principal = PrincipalFactory()
    for last in ("Öberg", "Åberg", "Zetterlund", "Ängström"):
        MembershipFactory(principal=principal, user=UserFactory(last_name=last))
    ordered = [m.user.last_name for m in principal.memberships.order_by("user__last_name")]
    assert ordered == ["Zetterlund", "Åberg", "Ängström", "Öberg"]
    assert members_of(principal).count() == 4
