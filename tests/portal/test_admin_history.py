"""The admin writes history like the portal does (issue 13), or leaves a model read-only.

The models come from the admin's own registry, so a model registered later without history
fails here. For each one, a superuser who has passed two-step login changes every field its
change form offers, one at a time, with values derived from the form itself; adds a copy of an
existing row; and deletes rows. Whenever the database changed, an event by that user, with the
old and new values, must be on the history of the row or of a row it belongs to.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.widgets import ManyToManyRawIdWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.forms.models import InlineForeignKeyField
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from portal.models import AuditEvent
from portal.templatetags.portal import kr
from reporting.models import WriteOnce
from tests.access_matrix import world as world_module
from tests.portal.factories import PASSWORD, UserFactory, admin_user
from tests.portal.test_twofactor import VERIFY, code_for, confirmed_device_for, post_login

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
DIGESTED_APPS = ["auth", "otp_totp", "axes", "portal", "principals", "agreement", "readiness"]
DIGESTED_APPS += ["reporting"]
NOT_DIGESTED = {"portal.AuditEvent"}
STRONG_PASSWORD = "Ny-lösenfras-för-test-42"
PASSWORD_HASH_MARKS = ("md5$", "pbkdf2_", "argon2", "bcrypt", "scrypt")


# ---------------------------------------------------------------- the data and the login


def _extras(world) -> None:
    """Rows the access matrix's world has no need of, so every registered model has one."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_tasks_db.models import DBTaskResult, get_date_max

    from portal.models import DemoDataset, Job, OutgoingMail
    from readiness.models import Reminder
    from reporting.models import ReportReminder
    from tests.agreement.factories import (
        ActivityBudgetFactory,
        FundingYearFactory,
        ProgressUpdateFactory,
    )

    agreement, activity = world.objects["agreement"], world.objects["activity"]
    FundingYearFactory(agreement=agreement, year=2022)
    ActivityBudgetFactory(activity=activity, funding_year=world.objects["funding_year"])
    ProgressUpdateFactory(activity=activity)
    DemoDataset.objects.create()
    Reminder.objects.create(
        round=world.objects["open_round"], principal=world.principals["A"], recipients=[]
    )
    ReportReminder.objects.create(agreement=agreement, days_before=30, recipients=[])
    login = {"user_agent": "test", "ip_address": "192.0.2.1", "http_accept": "*/*"}
    login["path_info"] = "/konto/logga-in/"
    AccessAttempt.objects.create(
        username="utelast", get_data="", post_data="", failures_since_start=5, **login
    )
    AccessLog.objects.create(username="inloggad", **login)
    AccessFailureLog.objects.create(username="utelast", locked_out=True, **login)
    OutgoingMail.objects.create(
        key="admin-test",
        kind="test",
        to=["a@example.se"],
        subject="Ämne",
        body="Text",
        status=OutgoingMail.Status.SENT,
    )
    Job.objects.create(kind="test", title="Ett jobb", owner=world.users["staff"])
    from django.contrib.auth import get_user_model

    from federation.models import AccessRequest, FederatedIdentity, IdpAccessRule

    identity = FederatedIdentity.objects.create(
        user=get_user_model().objects.create(username="federerad"),
        method="saml",
        issuer="https://idp.example/",
        subject="federerad@example.se",
    )
    rule = IdpAccessRule.objects.create(
        issuer="https://idp.example/", principal=world.principals["A"]
    )
    AccessRequest.objects.create(identity=identity, rule=rule)
    from portal.models import AccessibilityFeedback, RetentionRun

    AccessibilityFeedback.objects.create(email="a@example.se", message="Knappen syns inte.")
    RetentionRun.objects.create(counts={"sessions": 1})
    DBTaskResult.objects.create(
        task_path="portal.tasks.deliver_mail",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        queue_name="mail",
        run_after=get_date_max(),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One row of everything, built once in a transaction rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = world_module.build()
        _extras(built)
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def superuser(client, settings):
    """A superuser logged in with password and code, as the admin requires in production."""
    settings.REQUIRE_2FA_FOR_STAFF = True
    user = admin_user(username="historik-admin")
    device = confirmed_device_for(user)
    post_login(client, user, PASSWORD)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(reverse("admin:index")).status_code == 200
    return user


# ---------------------------------------------------------------- reading the admin's forms


class FormControls(HTMLParser):
    """What a browser would submit from the form with this id (disabled controls are not)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self.select: dict | None = None
        self.textarea: list | None = None

    def add(self, name: str, value: str) -> None:
        if "__prefix__" not in name:
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        name = a.get("name")
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.add(name, a.get("value") or "on")
                return
            self.add(name, a.get("value") or "")
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in a, "all": [], "chosen": []}
        elif tag == "option" and self.select is not None:
            self.select["all"].append(a.get("value", ""))
            if "selected" in a:
                self.select["chosen"].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            s, self.select = self.select, None
            chosen = s["chosen"] or ([] if s["multiple"] else s["all"][:1])
            if "__prefix__" not in s["name"]:
                self.data.setdefault(s["name"], [])
            for value in chosen:
                self.add(s["name"], value)
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.textarea = None
            self.add(name, text.removeprefix("\n"))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def post_data(response, model) -> dict[str, list[str]]:
    parser = FormControls(f"{model._meta.model_name}_form")
    parser.feed(response.content.decode())
    return parser.data


@dataclass
class Entry:
    """One editable field of the main form or of an existing inline row."""

    key: str
    field: forms.Field
    instance: models.Model
    deletes: bool = False


def _editable(field: forms.Field) -> bool:
    return not (
        field.disabled
        or isinstance(field.widget, forms.HiddenInput)
        or isinstance(field, InlineForeignKeyField | forms.FileField)
    )


def entries(response) -> list[Entry]:
    form = response.context["adminform"].form
    found = [
        Entry(form.add_prefix(name), field, form.instance)
        for name, field in form.fields.items()
        if _editable(field)
    ]
    for inline in response.context.get("inline_admin_formsets") or []:
        for row in inline.formset.initial_forms:
            found += [
                Entry(row.add_prefix(name), field, row.instance, deletes=name == "DELETE")
                for name, field in row.fields.items()
                if _editable(field)
            ]
    return found


def form_errors(response) -> set[str]:
    form = response.context["adminform"].form
    return {form.add_prefix(name) for name in form.errors}


# ---------------------------------------------------------------- other valid values


def _flat_choices(field) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):
            values += [str(v) for v, _label in label]
        else:
            values.append(str(value))
    return values


def _numbers(value: str) -> list[str]:
    try:
        number = Decimal(value.replace("\xa0", "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return ["1", "2"]
    return [str(number + step) for step in (1, -1, 2, -2, 10)]


def _dates(value: str) -> list[str]:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        day = datetime.date(2021, 6, 1)
    return [(day + datetime.timedelta(days=n)).isoformat() for n in (1, -1, 2, 366)]


def _counted_up(value: str, steps: int = 40) -> list[str]:
    """A code's next numbers in the same layout ("556677-8899" → "556677-8900", ...), so that
    one of them passes a check digit and is not taken by a neighbour in the test data."""
    digits = "".join(c for c in value if c.isdigit())
    if not digits:
        return []
    found = []
    for step in range(1, steps + 1):
        number = str(int(digits) + step).zfill(len(digits))
        if len(number) != len(digits):
            break
        it = iter(number)
        found.append("".join(next(it) if c.isdigit() else c for c in value))
    return found


def _strings(value: str, max_length: int | None) -> list[str]:
    candidates = [
        value + "2",
        *_counted_up(value),
        "2" + value,
        value.rstrip("/") + "/2",
        "andrad@example.se",
        "https://example.se/andrad",
        "ändrad",
    ]
    return list(
        dict.fromkeys(c for c in candidates if c != value and len(c) <= (max_length or 10**6))
    )


def variants(entry: Entry, data: dict[str, list[str]]):
    """The form's data with this one field set to other plausible values, one after another."""
    field, key = entry.field, entry.key
    current = data.get(key, [])
    value = current[0] if current else ""

    def put(*values):
        changed = {k: list(v) for k, v in data.items()}
        changed[key] = list(values)
        return changed

    if isinstance(field, forms.SplitDateTimeField):
        day = data.get(f"{key}_0", [""])[0]
        for other in _dates(day)[:2]:
            changed = {k: list(v) for k, v in data.items()}
            changed[f"{key}_0"] = [other]
            changed[f"{key}_1"] = data.get(f"{key}_1", [""])[:1] if day else ["12:00:00"]
            yield changed
    elif isinstance(field, forms.BooleanField) and isinstance(field.widget, forms.CheckboxInput):
        changed = {k: list(v) for k, v in data.items()}
        if current:
            del changed[key]
        else:
            changed[key] = ["on"]
        yield changed
    elif isinstance(field.widget, ManyToManyRawIdWidget):
        ids = [v for v in value.split(",") if v]
        others = [v for v in _flat_choices(field) if v and v not in ids]
        if others:
            yield put(",".join([*ids, others[0]]))
        if ids:
            yield put(",".join(ids[1:]))
    elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        others = [v for v in _flat_choices(field) if v and v not in current]
        if others:
            yield put(*current, others[0])
        if current:
            yield put(*current[1:])
    elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        options = [v for v in _flat_choices(field) if v != value and (v or not field.required)]
        for other in options[:3]:
            yield put(other)
    elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        for other in _numbers(value):
            yield put(other)
    elif isinstance(field, forms.DateField):
        for other in _dates(value):
            yield put(other)
    elif isinstance(field, forms.JSONField):
        for other in ("[]", '["ändrad"]', "{}", '{"ändrad": 1}'):
            if value.strip() and json.loads(other) == json.loads(value):
                continue
            yield put(other)
    elif isinstance(field, forms.CharField):
        for other in _strings(value, field.max_length):
            yield put(other)


# ---------------------------------------------------------------- what must be in the history


def digest() -> str:
    """A fingerprint of every row an admin page could write, the history aside."""
    prints = hashlib.sha256()
    for app in DIGESTED_APPS:
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            if not model._meta.managed or model._meta.label in NOT_DIGESTED:
                continue
            fields = [
                f.attname
                for f in model._meta.concrete_fields
                if not getattr(f, "auto_now", False) and f.name != "version"
            ]
            rows = model._base_manager.order_by("pk").values_list(*fields)
            prints.update(repr((model._meta.label, list(rows))).encode())
    return prints.hexdigest()


def _content_type(model) -> int:
    return ContentType.objects.get_for_model(model, for_concrete_model=False).pk


def subjects_of(obj: models.Model) -> set[tuple[int, str]]:
    """The row and the rows it belongs to (an event may be on an activity for its budget)."""
    subjects = {(_content_type(obj), str(obj.pk))}
    for field in obj._meta.concrete_fields:
        if field.many_to_one or field.one_to_one:
            value = getattr(obj, field.attname)
            if value is not None:
                subjects.add((_content_type(field.related_model), str(value)))
    return subjects


def last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def new_events(mark: int, actor, subjects) -> list[AuditEvent]:
    return [
        event
        for event in AuditEvent.objects.filter(pk__gt=mark, actor=actor)
        if (event.content_type_id, event.object_id) in subjects
    ]


def has_old_and_new(event: AuditEvent) -> bool:
    return any(
        isinstance(pair, list) and len(pair) == 2 and pair[0] != pair[1]
        for pair in event.changes.values()
    )


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def rows_for(model, user) -> list[models.Model]:
    """Newest first, leaving out the acting administrator and what belongs to them."""
    tied = [
        f.attname
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is get_user_model()
    ]
    return [
        obj
        for obj in model._base_manager.order_by("-pk")[:30]
        if obj != user and all(getattr(obj, name) != user.pk for name in tied)
    ]


# ---------------------------------------------------------------- the three operations


def exercise_change(client, user, model, obj) -> int:
    """Change each field in turn; returns how many changes were made (all of them recorded)."""
    url = _url(model, "change", obj.pk)
    page = client.get(url)
    assert page.status_code == 200, f"{model._meta.label}: change page {page.status_code}"
    keys = [entry.key for entry in entries(page)]
    data, state, recorded = post_data(page, model), digest(), 0
    for key in keys:
        current = {entry.key: entry for entry in entries(page)}
        entry = current.get(key)
        if entry is None:
            continue
        subjects = subjects_of(entry.instance)
        for candidate in variants(entry, data):
            mark = last_event()
            response = client.post(url, candidate)
            if response.status_code == 200:
                continue  # refused, as a person would be; nothing was saved
            assert response.status_code == 302, f"{model._meta.label} {key}: {response}"
            after = digest()
            if after != state:
                events = new_events(mark, user, subjects)
                assert events, f"{model._meta.label}: changing {key} left no history"
                assert entry.deletes or any(has_old_and_new(e) for e in events), (
                    f"{model._meta.label}: the event for {key} lacks old and new values"
                )
                recorded += 1
            state = after
            if not model._base_manager.filter(pk=obj.pk).exists():
                return recorded  # the change replaced the row (a budget moved to another year)
            page = client.get(url)
            data = post_data(page, model)
            break
    return recorded


def _initial(form, source: models.Model) -> dict[str, str]:
    """The source row's values as the add page's initial data (?field=value)."""
    initial = {}
    for name in form.fields:
        try:
            field = source._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many:
            initial[name] = ",".join(str(o.pk) for o in getattr(source, name).all())
            continue
        if not field.concrete:
            continue
        value = field.value_from_object(source)
        if value is None or value is False or isinstance(value, datetime.datetime | dict | list):
            continue
        if isinstance(value, datetime.date):
            value = value.isoformat()
        initial[name] = "1" if value is True else str(value)
    return initial


def exercise_add(client, user, model, source) -> models.Model | None:
    """Add a copy of `source`, changing one field where the copy is refused (a unique name)."""
    url = _url(model, "add")
    blank = client.get(url)
    assert blank.status_code == 200, f"{model._meta.label}: add page {blank.status_code}"
    page = client.get(f"{url}?{urlencode(_initial(blank.context['adminform'].form, source))}")
    data = post_data(page, model)
    form = page.context["adminform"].form
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.PasswordInput):
            data[form.add_prefix(name)] = [STRONG_PASSWORD]
    before = set(model._base_manager.values_list("pk", flat=True))
    mark = last_event()
    response = client.post(url, data)
    if response.status_code == 200:
        wrong = form_errors(response)
        found = sorted(entries(page), key=lambda e: e.key not in wrong)
        for entry in found:
            for candidate in variants(entry, data):
                response = client.post(url, candidate)
                if response.status_code != 200:
                    break
            if response.status_code != 200:
                break
    assert response.status_code == 302, (
        f"{model._meta.label}: no copy could be added: {form_errors(response)}"
    )
    added = set(model._base_manager.values_list("pk", flat=True)) - before
    assert len(added) == 1, f"{model._meta.label}: adding made {len(added)} rows"
    obj = model._base_manager.get(pk=added.pop())
    events = new_events(mark, user, subjects_of(obj))
    assert events, f"{model._meta.label}: adding left no history"
    assert any(e.changes for e in events), f"{model._meta.label}: the new values are missing"
    return obj


def exercise_delete(client, user, model, obj, *, bulk: bool = False) -> int:
    """Delete one row (or refuse to, as the rules may); a deletion must be recorded."""
    subjects, mark = subjects_of(obj), last_event()
    if bulk:
        data = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
        response = client.post(_url(model, "changelist"), data)
    else:
        response = client.post(_url(model, "delete", obj.pk), {"post": "yes"})
    assert response.status_code in (200, 302), f"{model._meta.label}: delete {response}"
    if model._base_manager.filter(pk=obj.pk).exists():
        return 0
    assert new_events(mark, user, subjects), f"{model._meta.label}: deleting left no history"
    return 1


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_admin_writes_are_recorded_or_the_model_is_read_only(world, client, superuser, model):
    model_admin = admin.site._registry[model]
    request = _request(superuser)
    rows = rows_for(model, superuser)
    assert rows, f"{model._meta.label}: give the world in this module a row of it"
    can = {
        "add": model_admin.has_add_permission(request),
        "change": any(model_admin.has_change_permission(request, o) for o in rows),
        "delete": any(model_admin.has_delete_permission(request, o) for o in rows),
    }
    assert client.get(_url(model, "changelist")).status_code == 200
    if not any(can.values()):
        obj = rows[0]
        assert client.get(_url(model, "change", obj.pk)).status_code == 200  # shown, read-only
        assert client.get(_url(model, "add")).status_code == 403
        assert client.post(_url(model, "change", obj.pk), {}).status_code == 403
        assert client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        assert model._base_manager.filter(pk=obj.pk).exists()
        return

    recorded = 0
    if can["change"]:
        obj = next(o for o in rows if model_admin.has_change_permission(request, o))
        recorded += exercise_change(client, superuser, model, obj)
    added = None
    if can["add"]:
        added = exercise_add(client, superuser, model, rows_for(model, superuser)[0])
        recorded += 1
    if can["delete"]:
        if added is not None and model_admin.has_delete_permission(request, added):
            recorded += exercise_delete(client, superuser, model, added)
        deletable = [
            o for o in rows_for(model, superuser) if model_admin.has_delete_permission(request, o)
        ]
        if deletable:
            recorded += exercise_delete(client, superuser, model, deletable[0], bulk=True)
    assert recorded, f"{model._meta.label}: nothing could be written: make it read-only"
    written = json.dumps([e.changes for e in AuditEvent.objects.filter(actor=superuser)])
    assert not any(mark in written for mark in PASSWORD_HASH_MARKS), "a password hash"


def test_write_once_models_are_read_only_in_the_admin(superuser):
    request = _request(superuser)
    write_once = [model for model in REGISTERED if issubclass(model, WriteOnce)]
    assert write_once
    for model in write_once:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model


def test_a_users_groups_changed_in_the_admin_are_recorded(client, superuser, staff):
    url = _url(get_user_model(), "change", staff.pk)
    data = post_data(client.get(url), get_user_model())
    other = Group.objects.exclude(pk__in=staff.groups.all()).order_by("name").first()
    data["groups"] = [str(g.pk) for g in staff.groups.all()] + [str(other.pk)]
    assert client.post(url, data).status_code == 302
    event = AuditEvent.objects.for_object(staff).get()
    assert event.actor == superuser
    assert event.action == AuditEvent.Action.CHANGED
    old, new = event.changes["groups"]
    assert other.name not in old and other.name in new
    assert "password" not in event.changes


def test_a_new_password_is_recorded_without_its_value(client, superuser, staff):
    url = reverse("admin:auth_user_password_change", args=[staff.pk])
    data = {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    data["usable_password"] = "true"
    assert client.post(url, data).status_code == 302
    event = AuditEvent.objects.for_object(staff).get()
    assert event.actor == superuser and event.changes == {"password": ["set", "new"]}
    staff.refresh_from_db()
    assert staff.check_password(STRONG_PASSWORD)


def test_a_membership_added_in_the_admin_goes_through_the_service(
    client, superuser, principal_a, mailoutbox, django_capture_on_commit_callbacks
):
    member = UserFactory(username="ny-medlem")
    url = _url(principal_a, "change", principal_a.pk)
    data = post_data(client.get(url), type(principal_a))
    data.update(
        {
            "memberships-TOTAL_FORMS": ["1"],
            "memberships-0-user": [str(member.pk)],
            "memberships-0-role": ["editor"],
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    membership = principal_a.memberships.get(user=member)
    assert membership.role == "editor"
    event = AuditEvent.objects.for_object(principal_a).get()
    assert (event.action, event.actor) == (AuditEvent.Action.MEMBER_ADDED, superuser)
    assert member.email in event.note
    assert mailoutbox[0].to == [member.email]

    data = post_data(client.get(url), type(principal_a))
    row = next(k for k, v in data.items() if k.endswith("-id") and v == [str(membership.pk)])
    data[row.replace("-id", "-DELETE")] = ["on"]
    assert client.post(url, data).status_code == 302
    assert not principal_a.memberships.filter(user=member).exists()
    removed = AuditEvent.objects.for_object(principal_a).first()
    assert (removed.action, removed.actor) == (AuditEvent.Action.MEMBER_REMOVED, superuser)


def test_deleting_a_user_removes_their_memberships_on_the_record(
    client, superuser, editor_a, principal_a
):
    url = _url(get_user_model(), "delete", editor_a.pk)
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not get_user_model().objects.filter(pk=editor_a.pk).exists()
    removed = AuditEvent.objects.for_object(principal_a).get()
    assert (removed.action, removed.actor) == (AuditEvent.Action.MEMBER_REMOVED, superuser)
    deleted = AuditEvent.objects.for_object(editor_a).get()
    assert deleted.action == AuditEvent.Action.DELETED
    assert deleted.changes["username"] == ["editor-a", None]


def test_an_account_without_an_address_of_its_own_is_not_added(client, superuser, principal_a):
    member = UserFactory(username="utan-adress", email="")
    url = _url(principal_a, "change", principal_a.pk)
    data = post_data(client.get(url), type(principal_a))
    data.update(
        {
            "memberships-TOTAL_FORMS": ["1"],
            "memberships-0-user": [str(member.pk)],
            "memberships-0-role": ["reader"],
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    with translation.override("sv"):
        refused = gettext(
            "Only an active account with an e-mail address of its own can be added here. "
            "Invite the person from the organisation's page instead."
        )
    row = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert row.errors["user"] == [refused]
    assert not principal_a.memberships.filter(user=member).exists()
    assert not AuditEvent.objects.for_object(principal_a).exists()


def test_an_inline_row_is_saved_by_its_own_models_service(client, superuser):
    from agreement.models import Activity, Cost
    from tests.agreement.factories import ActivityFactory, FundingYearFactory

    activity = ActivityFactory()
    FundingYearFactory(agreement=activity.agreement, year=2021)
    url = _url(Activity, "change", activity.pk)
    data = post_data(client.get(url), Activity)
    data.update(
        {
            "costs-TOTAL_FORMS": ["1"],
            "costs-0-incurred_on": ["2019-03-01"],
            "costs-0-amount": ["1200"],
            "costs-0-category": ["events"],
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200, "a cost outside the funding years is refused"
    assert not Cost.objects.filter(activity=activity).exists()

    data["costs-0-incurred_on"] = ["2021-03-01"]
    assert client.post(url, data).status_code == 302
    cost = Cost.objects.get(activity=activity)
    event = AuditEvent.objects.for_object(cost).get()
    assert (event.action, event.actor) == (AuditEvent.Action.CREATED, superuser)
    assert event.changes["amount"][0] is None
    assert Decimal(event.changes["amount"][1]) == Decimal("1200")


def test_archiving_in_the_admin_is_the_portals_archiving(client, superuser):
    from agreement.models import Activity
    from tests.agreement.factories import ActivityFactory

    activity = ActivityFactory()
    data = {"action": "archive", "_selected_action": [activity.pk]}
    assert client.post(_url(Activity, "changelist"), data).status_code == 302
    activity.refresh_from_db()
    assert activity.archived_at is not None
    event = AuditEvent.objects.for_object(activity).get()
    assert (event.action, event.actor) == (AuditEvent.Action.ARCHIVED, superuser)


def test_the_services_rules_apply_and_refusals_show_on_the_form(client, superuser):
    from agreement.models import ActivityBudget
    from tests.agreement.factories import ActivityFactory, FundingYearFactory

    activity = ActivityFactory()
    year = FundingYearFactory(agreement=activity.agreement, year=2021, allocated=Decimal("100"))
    url = _url(ActivityBudget, "add")
    data = {"activity": activity.pk, "funding_year": year.pk, "amount": "500"}
    response = client.post(url, data)
    assert response.status_code == 200
    with translation.override("sv"):
        refused = gettext(
            "The activities' budgets for %(year)s would exceed the year's funding. "
            "At most %(left)s is left to budget."
        ) % {"year": 2021, "left": kr(Decimal("100"))}
    assert refused in " ".join(response.context["adminform"].form.non_field_errors())
    assert not ActivityBudget.objects.filter(activity=activity).exists()
    assert not AuditEvent.objects.filter(actor=superuser).exists()

    data["amount"] = "80"
    assert client.post(url, data).status_code == 302
    event = AuditEvent.objects.for_object(activity).get()
    assert event.actor == superuser
    assert [None, "80.00"] in event.changes.values()


def test_a_deletion_the_service_refuses_is_not_made(client, superuser):
    from agreement.models import FundingYear
    from tests.agreement.factories import CostFactory, FundingYearFactory

    cost = CostFactory()
    year = FundingYearFactory(agreement=cost.activity.agreement, year=2021)
    response = client.post(_url(FundingYear, "delete", year.pk), {"post": "yes"}, follow=True)
    assert FundingYear.objects.filter(pk=year.pk).exists()
    with translation.override("sv"):
        refused = gettext("Costs have been recorded in this funding year.")
    assert refused in [str(m) for m in response.context["messages"]]
    assert not AuditEvent.objects.filter(actor=superuser).exists()


def test_the_admin_asks_for_the_second_step(superuser):
    """The superuser above passed it; without the code the admin sends one to fetch it."""
    client = Client()
    client.force_login(superuser, backend="portal.backends.PortalModelBackend")
    assert client.get(reverse("admin:index"))["Location"].startswith(VERIFY)


def test_a_change_saved_elsewhere_after_the_admin_opened_the_form_is_not_overwritten(
    client, superuser, principal_a, staff
):
    from principals import services as principal_services
    from principals.models import Principal

    url = _url(Principal, "change", principal_a.pk)
    data = post_data(client.get(url), Principal)
    assert data["seen_version"] == [str(principal_a.version)]
    # An organiser's editor saves the contact details while the admin has the form open.
    principal_services.principal_update_contact(
        principal=principal_a,
        actor=staff,
        seen_version=principal_a.version,
        email="ny@kommun.example",
        phone="",
        pupils=None,
    )
    data["email"] = ["admin@kommun.example"]
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Någon annan sparade posten efter att du öppnade den." in refused.text
    principal_a.refresh_from_db()
    assert principal_a.email == "ny@kommun.example"

    # The form shown again carries the version now stored: saving it keeps the admin's entry.
    again = post_data(refused, Principal)
    assert again["seen_version"] == [str(principal_a.version)]
    assert again["email"] == ["admin@kommun.example"]
    assert client.post(url, again).status_code == 302
    principal_a.refresh_from_db()
    assert principal_a.email == "admin@kommun.example"
