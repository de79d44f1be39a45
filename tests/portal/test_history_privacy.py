"""An organiser's history shows other people's e-mail addresses only to those shown the
member list; an organiser's own users see that people were invited or removed, not who."""

import pytest
from django.urls import reverse

from principals import services
from principals.models import Membership
from tests.principals.factories import MembershipFactory

pytestmark = pytest.mark.django_db

INVITEE = "ny.person@exempel.se"
LEAVER = "slutat@exempel.se"


@pytest.fixture
def history_with_people(principal_a, staff, editor_a):
    services.invitation_create(
        principal=principal_a, email=INVITEE, role=Membership.Role.EDITOR, actor=staff
    )
    leaver = MembershipFactory(
        principal=principal_a, user__username=LEAVER, user__email=LEAVER, role="reader"
    )
    services.principal_update_contact(
        principal=principal_a,
        actor=leaver.user,
        seen_version=principal_a.version,
        **{f: getattr(principal_a, f) for f in services.CONTACT_FIELDS if f != "phone"},
        phone="08-123 45 67",
    )
    services.membership_remove(membership=leaver, actor=staff)
    return principal_a


def _page(login, user, principal) -> str:
    response = login(user).get(reverse("principals:principal-detail", args=[principal.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["editor_a", "reader_a"])
def test_organiser_users_do_not_see_other_peoples_addresses(
    request, who, history_with_people, login
):
    page = _page(login, request.getfixturevalue(who), history_with_people)
    assert INVITEE not in page
    assert LEAVER not in page
    assert "Inbjuden" in page  # the event itself is still there
    assert "(e-postadress dold)" in page


def test_staff_who_manage_members_see_them(history_with_people, staff, login):
    page = _page(login, staff, history_with_people)
    assert INVITEE in page
    assert LEAVER in page


def test_a_user_sees_their_own_address(principal_a, login):
    mine = MembershipFactory(
        principal=principal_a,
        user__username="jag@exempel.se",
        user__email="jag@exempel.se",
        user__first_name="",
        user__last_name="",
    )
    services.principal_update_contact(
        principal=principal_a,
        actor=mine.user,
        seen_version=principal_a.version,
        **{f: getattr(principal_a, f) for f in services.CONTACT_FIELDS if f != "phone"},
        phone="08-765 43 21",
    )
    page = _page(login, mine.user, principal_a)
    assert "jag@exempel.se" in page
