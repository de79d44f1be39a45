"""The create, change and delete pages of records that are only a form and a service call.

Each kind of record is described once, as an `Editing`; `create_view`, `update_view` and
`delete_view` make its views, which agreement/urls.py wires. Pages that do more (activities,
with their budgets and edit conflicts) use `form_page` and `delete_page` directly.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.permissions import CHANGE_PROGRAMME, permission_required

from .forms import ProgrammeForm


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: on the field it names, otherwise at the top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.error_dict.items():
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target if name != NON_FIELD_ERRORS else None, error)


def form_page(
    request,
    *,
    form,
    save,
    title: str,
    crumbs: list,
    cancel_url: str,
    obj=None,
    delete_url: str | None = None,
    intro: str = "",
    template: str = "agreement/object_form.html",
    extra: dict | None = None,
):
    """Show the form; on a valid POST call `save(form)`, which returns the URL to go to."""
    if request.method == "POST" and form.is_valid():
        try:
            url = save(form)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect(url)
    context = {
        "form": form,
        "title": title,
        "crumbs": crumbs,
        "cancel_url": cancel_url,
        "object": obj,
        "delete_url": delete_url,
        "intro": intro,
        **(extra or {}),
    }
    return render(request, template, context)


def delete_page(
    request, *, obj, blockers, delete, title: str, crumbs, cancel_url, done_url, archive_url=None
):
    """Confirm, then delete through the service; a refusal explains what to do instead."""
    if request.method == "POST" and not blockers:
        try:
            delete()
        except ValidationError as exc:
            blockers = exc.messages
        else:
            messages.success(request, _("%(name)s has been deleted.") % {"name": obj})
            return redirect(done_url)
    return render(
        request,
        "agreement/object_confirm_delete.html",
        {
            "object": obj,
            "title": title,
            "crumbs": crumbs,
            "cancel_url": cancel_url,
            "blockers": blockers,
            "archive_url": archive_url,
        },
        status=409 if request.method == "POST" and blockers else 200,
    )


def _no_blockers(obj) -> list[str]:
    return []


@dataclass(frozen=True)
class Parent:
    """A record others hang off: its pk is `<name>_pk` in their create URL, it goes to their
    services as `<name>=`, and their pages sit under its crumbs and lead back to it."""

    model: type[models.Model]
    crumbs: Callable[[Any], list]
    select: str = ""  # the relation its crumbs read, fetched with it
    delete_cancels_here: bool = False  # Cancel on a child's delete page leads to the parent

    @property
    def name(self) -> str:
        return self.model._meta.model_name

    def get(self, pk):
        queryset = self.model.objects.all()
        if self.select:
            queryset = queryset.select_related(self.select)
        return get_object_or_404(queryset, pk=pk)


@dataclass(frozen=True)
class Editing:
    """One kind of record: its form, its services, and where its pages sit.

    A record with a `parent` is edited from the parent's page; one without sits on a list
    (`listing`: its URL name and label) and has a page of its own. The change title may name
    the record's fields, as in `%(year)s`.
    """

    form_class: type[ProgrammeForm]
    create: Callable | None = None
    update: Callable | None = None
    delete: Callable | None = None
    new_title: str = ""
    change_title: str = ""
    delete_title: str = ""
    parent: Parent | None = None
    listing: tuple[str, str] | None = None
    blockers: Callable[[Any], list[str]] = _no_blockers
    fields_as_keywords: bool = False  # the services take the fields as keywords, not `fields=`
    history: bool = True  # the change page shows the record's history
    delete_crumb: bool = True  # the delete page's crumbs end with the record itself

    @property
    def model(self) -> type[models.Model]:
        return self.form_class._meta.model

    @property
    def noun(self) -> str:
        """The services' keyword for the record: `funding_year` for FundingYear."""
        return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", self.model.__name__).lower()

    def get(self, pk):
        queryset = self.model.objects.all()
        if self.parent is not None:
            path = self.parent.name
            if self.parent.select:
                path = f"{path}__{self.parent.select}"
            queryset = queryset.select_related(path)
        return get_object_or_404(queryset, pk=pk)

    def list_url(self) -> str:
        return reverse(self.listing[0])

    def trail(self, obj=None) -> list:
        """Crumbs of a record without a parent: its list, then the record."""
        crumbs = [(self.list_url(), self.listing[1])]
        if obj is not None:
            crumbs.append((obj.get_absolute_url(), str(obj)))
        return crumbs

    def payload(self, form) -> dict:
        if self.fields_as_keywords:
            return form.fields_data()
        return {"fields": form.fields_data(), **form.m2m_data()}


def _guarded(view, spec: Editing, verb: str):
    """Name the view like a written one (`milestone_update`) and check the permission."""
    assert getattr(spec, verb) is not None, f"{spec.noun} has no {verb} service"
    view.__name__ = view.__qualname__ = f"{spec.noun}_{verb}"
    return permission_required(CHANGE_PROGRAMME)(view)


def create_view(spec: Editing):
    parent = spec.parent

    def view(request, **kwargs):
        home = parent.get(kwargs[f"{parent.name}_pk"]) if parent else None
        on_parent = {parent.name: home} if parent else {}
        form = spec.form_class(request.POST or None)

        def save(form):
            obj = spec.create(actor=request.user, **on_parent, **spec.payload(form))
            return (home or obj).get_absolute_url()

        return form_page(
            request,
            form=form,
            save=save,
            title=spec.new_title,
            crumbs=parent.crumbs(home) if parent else spec.trail(),
            cancel_url=home.get_absolute_url() if parent else spec.list_url(),
            extra=on_parent,
        )

    return _guarded(view, spec, "create")


def update_view(spec: Editing):
    parent = spec.parent

    def view(request, pk):
        obj = spec.get(pk)
        home = getattr(obj, parent.name) if parent else obj
        on_parent = {parent.name: home} if parent else {}
        form = spec.form_class(request.POST or None, instance=obj)
        # Title and crumbs are taken before the form is validated, which writes onto `obj`.
        title = spec.change_title % vars(obj)
        crumbs = parent.crumbs(home) if parent else spec.trail(obj)
        delete_url = None
        if spec.delete:
            delete_url = reverse(f"agreement:{spec.model._meta.model_name}-delete", args=[obj.pk])

        def save(form):
            spec.update(actor=request.user, **{spec.noun: obj}, **spec.payload(form))
            return home.get_absolute_url()

        return form_page(
            request,
            form=form,
            save=save,
            title=title,
            crumbs=crumbs,
            cancel_url=home.get_absolute_url(),
            obj=obj if spec.history else None,
            delete_url=delete_url,
            extra=on_parent,
        )

    return _guarded(view, spec, "update")


def delete_view(spec: Editing):
    parent = spec.parent

    def view(request, pk):
        obj = spec.get(pk)
        if parent:
            home = getattr(obj, parent.name)
            crumbs, done_url = parent.crumbs(home), home.get_absolute_url()
            cancel_url = done_url if parent.delete_cancels_here else obj.get_absolute_url()
        else:
            crumbs = spec.trail(obj if spec.delete_crumb else None)
            done_url, cancel_url = spec.list_url(), obj.get_absolute_url()
        return delete_page(
            request,
            obj=obj,
            blockers=spec.blockers(obj),
            delete=lambda: spec.delete(actor=request.user, **{spec.noun: obj}),
            title=spec.delete_title,
            crumbs=crumbs,
            cancel_url=cancel_url,
            done_url=done_url,
        )

    return _guarded(view, spec, "delete")
