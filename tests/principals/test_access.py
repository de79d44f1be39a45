"""principals/access.py for every role, and every principal-scoped URL against every role."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from principals import access
from principals.models import Invitation, Membership
from tests.principals.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def test_staff_see_and_edit_every_principal(staff, principal_a, principal_b):
    assert set(access.visible_principals(staff)) == {principal_a, principal_b}
    assert access.sees_all_principals(staff)
    assert list(access.member_principals(staff)) == []
    assert access.membership_of(staff, principal_a) is None
    assert access.can_edit(staff, principal_a)
    assert not access.is_editor_member(staff, principal_a)
    assert access.get_principal_for_view(staff, principal_b.pk) == principal_b
    assert access.get_principal_for_edit(staff, principal_b.pk) == principal_b


def test_government_viewer_sees_no_individual_principal(government, principal_a):
    assert not access.sees_all_principals(government)
    assert list(access.visible_principals(government)) == []
    assert list(access.member_principals(government)) == []
    assert not access.can_edit(government, principal_a)
    assert not access.is_editor_member(government, principal_a)
    with pytest.raises(Http404):
        access.get_principal_for_view(government, principal_a.pk)
    with pytest.raises(Http404):
        access.get_principal_for_edit(government, principal_a.pk)


def test_editor_of_a_sees_and_edits_only_a(editor_a, principal_a, principal_b):
    assert list(access.visible_principals(editor_a)) == [principal_a]
    assert list(access.member_principals(editor_a)) == [principal_a]
    assert access.membership_of(editor_a, principal_a).role == Membership.Role.EDITOR
    assert access.membership_of(editor_a, principal_b) is None
    assert access.can_edit(editor_a, principal_a)
    assert not access.can_edit(editor_a, principal_b)
    assert access.is_editor_member(editor_a, principal_a)
    assert not access.is_editor_member(editor_a, principal_b)
    assert access.get_principal_for_edit(editor_a, principal_a.pk) == principal_a
    with pytest.raises(Http404):
        access.get_principal_for_view(editor_a, principal_b.pk)
    with pytest.raises(Http404):
        access.get_principal_for_edit(editor_a, principal_b.pk)


def test_reader_of_a_reads_a_but_may_not_edit(reader_a, principal_a, principal_b):
    assert list(access.visible_principals(reader_a)) == [principal_a]
    assert access.get_principal_for_view(reader_a, principal_a.pk) == principal_a
    assert not access.can_edit(reader_a, principal_a)
    assert not access.is_editor_member(reader_a, principal_a)
    # Bare on purpose: can_edit() failing is get_principal_for_edit's only PermissionDenied.
    with pytest.raises(PermissionDenied):
        access.get_principal_for_edit(reader_a, principal_a.pk)
    with pytest.raises(Http404):
        access.get_principal_for_view(reader_a, principal_b.pk)


def test_anonymous_sees_nothing(anonymous, principal_a):
    assert list(access.visible_principals(anonymous)) == []
    assert list(access.member_principals(anonymous)) == []
    assert access.membership_of(anonymous, principal_a) is None
    assert not access.can_edit(anonymous, principal_a)
    assert not access.is_editor_member(anonymous, principal_a)
    with pytest.raises(Http404):
        access.get_principal_for_view(anonymous, principal_a.pk)


def test_bad_primary_keys_are_404(staff):
    for pk in ["x", None, 999_999]:
        with pytest.raises(Http404):
            access.get_principal_for_view(staff, pk)


def test_member_of_two_principals_sees_both(editor_a, principal_b):
    MembershipFactory(user=editor_a, principal=principal_b, role="reader")
    assert access.member_principals(editor_a).count() == 2
    assert not access.can_edit(editor_a, principal_b)


# --------------------------------------------------------------------------- URL matrix


@pytest.fixture
def objects(staff, principal_a, editor_a):
    invitation = Invitation(email="x@example.se", principal=principal_a, role="reader")
    invitation.new_token()
    invitation.save()
    membership = Membership.objects.get(user=editor_a)
    return {"principal": principal_a, "invitation": invitation, "membership": membership}


def urls(objects):
    """(url, method, kind): kind is 'organiser-view', 'organiser-edit' or 'staff'."""
    pa = objects["principal"].pk
    return [
        (reverse("principals:principal-detail", args=[pa]), "get", "organiser-view"),
        (reverse("principals:principal-update", args=[pa]), "get", "organiser-edit"),
        (reverse("principals:principal-update", args=[pa]), "post", "organiser-edit"),
        (reverse("principals:principal-list"), "get", "staff"),
        (reverse("principals:principal-export"), "get", "staff"),
        (reverse("principals:invitation-create", args=[pa]), "get", "staff"),
        (reverse("principals:invitation-resend", args=[objects["invitation"].pk]), "post", "staff"),
        (reverse("principals:invitation-revoke", args=[objects["invitation"].pk]), "post", "staff"),
        (
            reverse("principals:membership-delete", args=[objects["membership"].pk]),
            "post",
            "staff",
        ),
        (reverse("principals:import-upload"), "get", "staff"),
        (reverse("principals:import-detail", args=[uuid.uuid4()]), "get", "staff"),
        (reverse("principals:import-apply", args=[uuid.uuid4()]), "post", "staff"),
    ]


def test_every_principals_url_is_in_the_matrix(objects):
    from principals.urls import urlpatterns

    in_matrix = {url for url, _method, _kind in urls(objects)}
    matched = {
        p.name
        for p in urlpatterns
        if any(p.pattern.match(u[len("/huvudman/") :]) for u in in_matrix)
    }
    # home and invitation-accept are tested on their own (any logged-in user / token holders)
    assert {p.name for p in urlpatterns} - matched == {"home", "invitation-accept"}


def test_anonymous_is_sent_to_login_everywhere(client, objects):
    for url, method, _kind in urls(objects):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_member_of_another_principal_gets_404_or_403_never_data(login, editor_b, objects):
    client = login(editor_b)
    for url, method, kind in urls(objects):
        response = getattr(client, method)(url)
        expected = 404 if kind.startswith("organiser") else 403
        assert response.status_code == expected, url
        assert b"Huvudman A" not in response.content


def test_reader_gets_403_where_an_editor_is_needed(login, reader_a, objects):
    client = login(reader_a)
    for url, method, kind in urls(objects):
        response = getattr(client, method)(url)
        expected = {"organiser-view": 200, "organiser-edit": 403, "staff": 403}[kind]
        assert response.status_code == expected, url


def test_editor_reaches_own_pages_but_not_staff_pages(login, editor_a, objects):
    client = login(editor_a)
    for url, method, kind in urls(objects):
        if method == "post":
            continue
        response = client.get(url)
        expected = {"organiser-view": 200, "organiser-edit": 200, "staff": 403}[kind]
        assert response.status_code == expected, url


def test_government_viewer_gets_404_on_principal_pages(login, government, objects):
    client = login(government)
    for url, method, kind in urls(objects):
        response = getattr(client, method)(url)
        expected = 404 if kind.startswith("organiser") else 403
        assert response.status_code == expected, url


def test_staff_reach_every_page(login, staff, objects):
    client = login(staff)
    for url, method, _kind in urls(objects):
        if method == "post":
            continue
        expected = 404 if "/import/" in url and url != reverse("principals:import-upload") else 200
        assert client.get(url).status_code == expected, url  # another person's upload: 404


def test_answers_are_for_members_and_staff_never_for_aggregate_readers(
    staff, government, editor_a, reader_a, principal_a, principal_b
):
    assert access.get_principal_for_answers(staff, principal_b.pk) == principal_b
    assert access.get_principal_for_answers(editor_a, principal_a.pk) == principal_a
    assert access.get_principal_for_answers(reader_a, principal_a.pk) == principal_a
    with pytest.raises(Http404):
        access.get_principal_for_answers(editor_a, principal_b.pk)
    # Bare on purpose: the aggregate-reader refusal is the only PermissionDenied here (else 404).
    with pytest.raises(PermissionDenied):
        access.get_principal_for_answers(government, principal_a.pk)


def test_a_government_viewer_who_is_also_a_member_sees_own_answers(government, principal_a):
    MembershipFactory(user=government, principal=principal_a)
    assert access.get_principal_for_answers(government, principal_a.pk) == principal_a
