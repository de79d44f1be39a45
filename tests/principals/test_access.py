"""principals/access.py for every role. What each URL answers each role is the global access
matrix's (tests/test_access_matrix.py)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from principals import access
from principals.models import Membership
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


def test_answers_lookup_says_whether_the_user_is_an_editor_of_the_principal(
    staff, editor_a, reader_a, principal_a, anonymous
):
    """The form and answer pages take the editor check from this one query."""
    assert access.get_principal_for_answers(editor_a, principal_a.pk).is_editor
    assert not access.get_principal_for_answers(reader_a, principal_a.pk).is_editor
    assert not access.get_principal_for_answers(staff, principal_a.pk).is_editor
    MembershipFactory(user=staff, principal=principal_a, role=Membership.Role.EDITOR)
    assert access.get_principal_for_answers(staff, principal_a.pk).is_editor
    for pk in (principal_a.pk, 10**9, "x"):
        with pytest.raises(Http404):
            access.get_principal_for_answers(anonymous, pk)
    with pytest.raises(Http404):
        access.get_principal_for_answers(staff, 10**9)
