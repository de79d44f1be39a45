"""The Django admin writes history like the portal: each add, change and deletion is an event.

An admin goes through the portal's service where one exists, by overriding the `history_*`
hooks; otherwise the hooks save and record the difference themselves, in the admin's
transaction. A service's refusal comes back as errors on the form, as in the portal, and
nothing is saved. Inline rows are saved by the hooks of their own model's admin, so a row is
recorded the same way wherever it is edited.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.auth.models import Permission
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext

from .audit import Action, diff, record
from .audit import snapshot as audit_snapshot
from .concurrency import EditConflict, VersionedModel

# Bookkeeping the admin never edits by hand; the version moves with every recorded change.
UNTRACKED = frozenset({"created_at", "updated_at", "version"})
REFUSED = "_history_refused"
CONFLICT = "_history_conflict"
# A versioned row's change form carries the version the admin opened, as the portal's forms do.
SEEN = "seen_version"


def _present(value: Any) -> bool:
    return value not in (None, "", [], {}, False)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """audit.snapshot without bookkeeping and secrets; permissions as codes, not labels."""
    values = audit_snapshot(obj)
    for name in UNTRACKED:
        values.pop(name, None)
    if "password" in values and hasattr(obj, "has_usable_password"):
        values["password"] = "set" if obj.has_usable_password() else "unusable"
    for field in obj._meta.many_to_many:
        if field.related_model is Permission and obj.pk is not None:
            values[field.name] = sorted(
                f"{app}.{code}"
                for app, code in getattr(obj, field.name).values_list(
                    "content_type__app_label", "codename"
                )
            )
    return values


def form_values(form) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model fields and many-to-many fields a form edits, in the shape services take."""
    obj = form.instance
    fields: dict[str, Any] = {}
    m2m: dict[str, Any] = {}
    for name in form.fields:
        if name not in form.cleaned_data:
            continue
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many:
            m2m[name] = form.cleaned_data[name]
        elif field.concrete and not field.primary_key:
            fields[name] = getattr(obj, name)
    return fields, m2m


def current_m2m(obj: models.Model, m2m: dict[str, Any], *names: str) -> dict[str, Any]:
    """The form's many-to-many values, or the stored ones for fields the form does not show."""
    return {name: m2m[name] if name in m2m else getattr(obj, name).all() for name in names}


def adopt(obj: models.Model, saved: models.Model) -> None:
    """Give the admin's instance the row a service created, so the admin carries on with it."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def seen_version(form, obj: VersionedModel) -> int:
    """The version the admin opened the form at, or the stored one where the form has none
    (an inline row, an admin with its own field list)."""
    seen = getattr(form, "cleaned_data", {}).get(SEEN)
    return seen or obj.version


def refusal(error: Exception) -> ValidationError:
    if isinstance(error, EditConflict):
        return ValidationError(
            gettext(
                "Someone else saved this record after you opened it. Nothing of yours has "
                "been saved. The form still has your entries: saving again replaces their "
                "change with yours. To see their change first, open the record again."
            )
        )
    return error


class HistoryHooks:
    """How one model's rows are saved and recorded. The defaults record the difference."""

    def history_snapshot(self, obj: models.Model) -> dict[str, Any]:
        return snapshot(obj)

    def history_create(self, *, request, obj: models.Model, form) -> None:
        obj.save()
        form.save_m2m()
        changes = {k: [None, v] for k, v in self.history_snapshot(obj).items() if _present(v)}
        record(actor=request.user, subject=obj, action=Action.CREATED, changes=changes)

    def history_update(self, *, request, obj: models.Model, form) -> None:
        stored = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
        if isinstance(obj, VersionedModel) and seen_version(form, obj) != stored.version:
            raise EditConflict(stored)
        before = self.history_snapshot(stored)
        obj.save()
        form.save_m2m()
        changes = diff(before, self.history_snapshot(obj))
        if not changes:
            return
        if isinstance(obj, VersionedModel):
            obj.version = stored.version + 1
            obj.save(update_fields=["version"])
        record(actor=request.user, subject=obj, action=Action.CHANGED, changes=changes)

    def history_delete(self, *, request, obj: models.Model) -> None:
        changes = {k: [v, None] for k, v in self.history_snapshot(obj).items() if _present(v)}
        record(actor=request.user, subject=obj, action=Action.DELETED, changes=changes)
        obj.delete()


class HistoryMixin(HistoryHooks):
    """Route a ModelAdmin's saves and deletions, and those of its inlines, through the hooks."""

    def save_model(self, request, obj, form, change):
        if change:
            self.history_update(request=request, obj=obj, form=form)
        else:
            self.history_create(request=request, obj=obj, form=form)

    def save_related(self, request, form, formsets, change):
        # The hooks saved the form's many-to-many fields together with the object.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        hooks = self.history_hooks_for(formset.model)
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            hooks.history_delete(request=request, obj=obj)
        for row in formset.saved_forms:
            if row.instance._state.adding:
                hooks.history_create(request=request, obj=row.instance, form=row)
            else:
                hooks.history_update(request=request, obj=row.instance, form=row)

    def history_hooks_for(self, model: type[models.Model]) -> HistoryHooks:
        """An inline's own hooks, else those of the model's admin, else the recording defaults."""
        for inline in self.inlines:
            if inline.model is model and issubclass(inline, HistoryHooks):
                return inline(self.model, self.admin_site)
        registered = self.admin_site._registry.get(model)
        if isinstance(registered, HistoryHooks):
            return registered
        return HistoryHooks()

    def delete_model(self, request, obj):
        self.history_delete(request=request, obj=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                with transaction.atomic():
                    self.delete_model(request, obj)
            except ValidationError as refused:
                self.message_user(request, f"{obj}: {' '.join(refused.messages)}", messages.ERROR)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, EditConflict) as error:
            if request.method != "POST" or hasattr(request, REFUSED):
                raise
            # Nothing was kept; the form is shown again with the service's reasons.
            setattr(request, REFUSED, refusal(error))
            setattr(request, CONFLICT, isinstance(error, EditConflict))
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        # The fieldsets name the hidden version field (so the page renders it); the model
        # form is made without it, and it is added to the form class below.
        if "fields" in kwargs:
            fields = kwargs.pop("fields")
        else:
            fields = flatten_fieldsets(self.get_fieldsets(request, obj))
        if fields is not None:
            fields = [name for name in fields if name != SEEN]
        form = super().get_form(request, obj, fields=fields, **kwargs)
        if isinstance(obj, VersionedModel):
            seen = forms.IntegerField(widget=forms.HiddenInput, required=False, initial=obj.version)
            form = type(form.__name__, (form,), {SEEN: seen})
        refused = getattr(request, REFUSED, None)
        if refused is None:
            return form
        attrs = {"refused": refused, "renew_seen": getattr(request, CONFLICT, False)}
        return type(form.__name__, (RefusedForm, form), attrs)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as refused:
            self.message_user(request, " ".join(refused.messages), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[unquote(object_id)],
                    current_app=self.admin_site.name,
                )
            )


class RefusedForm:
    """Shows what a service refused as the form's own errors, so nothing is saved.

    After a conflict the form carries the version now stored: the admin has been shown that
    someone else saved, and saving again keeps what the admin entered.
    """

    refused: ValidationError
    renew_seen: bool = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.renew_seen and self.is_bound and SEEN in self.fields:
            data = self.data.copy()
            data[self.add_prefix(SEEN)] = str(self.instance.version)
            self.data = data

    def clean(self):
        cleaned = super().clean()
        errors = self.refused.error_dict if hasattr(self.refused, "error_dict") else None
        if errors is None:
            self.add_error(None, self.refused.messages)
            return cleaned
        for name, problems in errors.items():
            target = name if name in self.fields and name != NON_FIELD_ERRORS else None
            self.add_error(target, ValidationError(problems).messages)
        return cleaned


class HistoryAdmin(HistoryMixin, admin.ModelAdmin):
    """A ModelAdmin whose every write is recorded in the history."""


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
