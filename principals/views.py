from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import fragments, spreadsheets
from portal.concurrency import EditConflict
from portal.fragments import fragment
from portal.permissions import MANAGE_PRINCIPALS, permission_required
from portal.sections import principal_sections

from . import access, exports, selectors, services
from .forms import AcceptInvitationForm, ContactForm, ImportUploadForm, InvitationForm
from .models import ImportBatch, Invitation, Membership, Principal, SchoolUnit

PAGE_SIZE = 50


@login_required
def home(request):
    """An organiser user's start page: straight to their organisation when they have one."""
    principals = list(access.member_principals(request.user))
    if len(principals) == 1:
        return redirect("principals:principal-detail", pk=principals[0].pk)
    return render(request, "principals/home.html", {"principals": principals})


@permission_required(MANAGE_PRINCIPALS)
def principal_list(request):
    def body() -> str:
        filterset = selectors.PrincipalFilter(
            request.GET, queryset=selectors.register_rows(access.visible_principals(request.user))
        )
        page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
        # Labels looked up once per page, not per row (get_..._display hashes every choice).
        types = {value: str(label) for value, label in Principal.OrganiserType.choices}
        statuses = {value: str(label) for value, label in Principal.Status.choices}
        page.object_list = list(page.object_list)
        for principal in page.object_list:
            principal.type_label = types.get(principal.organiser_type, principal.organiser_type)
            principal.status_label = statuses.get(principal.status, principal.status)
        query = request.GET.copy()
        query.pop("page", None)
        # The filters list 290 municipalities: rendered once per query until the geography
        # changes, not again after every change to an organiser.
        filters = fragment(
            "register-filters",
            (request.GET.urlencode(),),
            lambda: render_to_string("partials/form_fields.html", {"form": filterset.form}),
            version=selectors.geography_version(),
        )
        return render_to_string(
            "principals/partials/register_body.html",
            {"filters_html": filters, "page": page, "query": query.urlencode()},
        )

    # Rendered once per search until the register changes (portal/fragments.py).
    seen_by = "all" if access.sees_all_principals(request.user) else request.user.pk
    body = fragment(
        "register", (request.GET.urlencode(), seen_by), body, version=selectors.register_version()
    )
    return render(request, "principals/principal_list.html", {"body": body})


@permission_required(MANAGE_PRINCIPALS)
def principal_export(request):
    """Exactly the filtered list of the register page, as CSV for Excel (semicolons, BOM)."""
    filterset = selectors.PrincipalFilter(
        request.GET, queryset=selectors.register_rows(access.visible_principals(request.user))
    )
    language = translation.get_language()
    seen_by = "all" if access.sees_all_principals(request.user) else request.user.pk
    key = fragments.key_for(
        "register-export", (request.GET.urlencode(), seen_by), version=selectors.register_version()
    )
    kept = cache.get(key)

    def chunks():
        # Sent while it is written, after the view has returned: in the reader's language.
        with translation.override(language):
            for chunk in exports.register_csv_chunks(principals=filterset.qs):
                yield chunk.encode()

    if kept is not None:
        response = HttpResponse(kept, content_type=spreadsheets.CSV_CONTENT_TYPE)
    else:
        response = StreamingHttpResponse(
            fragments.stream_kept(key, chunks()), content_type=spreadsheets.CSV_CONTENT_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="{exports.REGISTER_FILENAME}"'
    return response


@login_required
def principal_detail(request, pk):
    principal = access.get_principal_for_view(request.user, pk)
    manages = request.user.has_perm(MANAGE_PRINCIPALS)
    return render(
        request,
        "principals/principal_detail.html",
        {
            "principal": principal,
            "municipalities": principal.municipalities.all(),
            "units": selectors.units_of(principal),
            "can_edit": access.can_edit(request.user, principal),
            "manages": manages,
            "members": selectors.members_of(principal) if manages else None,
            "invitations": selectors.pending_invitations_of(principal) if manages else None,
            "sections": principal_sections(request, principal),
        },
    )


@login_required
def principal_update(request, pk):
    principal = access.get_principal_for_edit(request.user, pk)
    conflict = None
    if request.method == "POST":
        form = ContactForm(request.POST, instance=Principal.objects.get(pk=principal.pk))
        if form.is_valid():
            try:
                services.principal_update_contact(
                    principal=principal,
                    actor=request.user,
                    seen_version=form.cleaned_data["version"],
                    **{k: form.cleaned_data[k] for k in services.CONTACT_FIELDS},
                )
            except EditConflict as exc:
                conflict = _differences(form, exc.current)
                form.add_error(
                    None,
                    _(
                        "Someone else saved the contact details while you were editing. "
                        "Nothing was overwritten: see what changed, then try again."
                    ),
                )
                form = _refreshed(form, exc.current)
            else:
                messages.success(request, _("The contact details were saved."))
                return redirect("principals:principal-detail", pk=principal.pk)
    else:
        form = ContactForm(instance=principal, initial={"version": principal.version})
    return render(
        request,
        "principals/principal_form.html",
        {"principal": principal, "form": form, "conflict": conflict},
    )


def _differences(form, current) -> list[tuple[str, object, object]]:
    """(label, value saved by the other person, value this person entered) where they differ."""
    rows = []
    for name in services.CONTACT_FIELDS:
        saved, entered = getattr(current, name), form.cleaned_data.get(name)
        if (saved or None) != (entered or None):
            rows.append((form.fields[name].label, saved, entered))
    return rows


def _refreshed(form, current):
    """Keep the person's input and errors, but carry the current version for the next save."""
    data = form.data.copy()
    data["version"] = current.version
    fresh = ContactForm(data, instance=current)
    fresh.is_valid()
    for error in form.non_field_errors():
        fresh.add_error(None, error)
    return fresh


@permission_required(MANAGE_PRINCIPALS)
def invitation_create(request, pk):
    principal = access.get_principal_for_edit(request.user, pk)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.invitation_create(
                principal=principal,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            if isinstance(result, Membership):
                messages.success(
                    request,
                    _("%(email)s already had an account and is now a member.")
                    % {"email": form.cleaned_data["email"]},
                )
            else:
                messages.success(
                    request,
                    _("An invitation was sent to %(email)s.") % {"email": result.email},
                )
            return redirect("principals:principal-detail", pk=principal.pk)
    return render(
        request, "principals/invitation_form.html", {"principal": principal, "form": form}
    )


def _staff_invitation(request, pk) -> Invitation:
    invitation = get_object_or_404(Invitation, pk=pk)
    access.get_principal_for_edit(request.user, invitation.principal_id)
    return invitation


@permission_required(MANAGE_PRINCIPALS)
@require_POST
def invitation_resend(request, pk):
    invitation = _staff_invitation(request, pk)
    try:
        services.invitation_resend(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("A new invitation was sent to %(email)s.") % {"email": invitation.email}
        )
    return redirect("principals:principal-detail", pk=invitation.principal_id)


@permission_required(MANAGE_PRINCIPALS)
@require_POST
def invitation_revoke(request, pk):
    invitation = _staff_invitation(request, pk)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("The invitation to %(email)s was revoked.") % {"email": invitation.email},
        )
    return redirect("principals:principal-detail", pk=invitation.principal_id)


@permission_required(MANAGE_PRINCIPALS)
@require_POST
def membership_delete(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    access.get_principal_for_edit(request.user, membership.principal_id)
    services.membership_remove(membership=membership, actor=request.user)
    messages.success(
        request,
        _("%(user)s is no longer a member.")
        % {"user": membership.user.email or membership.user.get_username()},
    )
    return redirect("principals:principal-detail", pk=membership.principal_id)


def invitation_accept(request, token):
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationInvalid:
        return render(request, "principals/invitation_invalid.html", status=404)
    has_account = invitation_has_account(invitation)
    form = (
        None if has_account else AcceptInvitationForm(request.POST or None, email=invitation.email)
    )
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            invitation, user, created = services.invitation_accept(
                token=token, password=form.cleaned_data["password1"] if form else None
            )
        except services.InvitationInvalid:
            return render(request, "principals/invitation_invalid.html", status=404)
        except ValidationError as error:
            if form is None:
                raise
            form.add_error(None, error)
        else:
            if created:
                login(request, user, backend="portal.backends.PortalModelBackend")
                messages.success(
                    request, _("Welcome! Your account is ready. Your user name is your e-mail.")
                )
                return redirect("principals:principal-detail", pk=invitation.principal_id)
            messages.success(
                request,
                _("The organisation has been added to your account. Log in to see it."),
            )
            if request.user.is_authenticated and request.user.pk == user.pk:
                return redirect("principals:principal-detail", pk=invitation.principal_id)
            return redirect("login")
    return render(
        request,
        "principals/invitation_accept.html",
        {"invitation": invitation, "form": form, "has_account": has_account},
    )


def invitation_has_account(invitation: Invitation) -> bool:
    return get_user_model().objects.filter(email__iexact=invitation.email, is_active=True).exists()


@permission_required(MANAGE_PRINCIPALS)
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = services.import_batch_create(
            actor=request.user,
            filename=upload.name,
            content=upload.read(),
            full=form.cleaned_data["full"],
            skip_invalid=form.cleaned_data["skip_invalid"],
        )
        return redirect("portal:job-detail", pk=batch.job_id)
    recent = ImportBatch.objects.filter(uploaded_by=request.user).defer("content")[:10]
    return render(request, "principals/import_form.html", {"form": form, "recent": recent})


def _own_batch(request, pk) -> ImportBatch:
    """The upload with its latest job, for the person who uploaded it only."""
    try:
        return (
            ImportBatch.objects.select_related("job")
            .defer("content", "job__result")
            .get(pk=pk, uploaded_by=request.user)
        )
    except ImportBatch.DoesNotExist:
        raise Http404 from None


@permission_required(MANAGE_PRINCIPALS)
@never_cache
def import_detail(request, pk):
    batch = _own_batch(request, pk)
    report = batch.report
    working = batch.job is not None and not batch.job.finished
    return render(
        request,
        "principals/import_detail.html",
        {
            "batch": batch,
            "report": report,
            "job": batch.job,
            "working": working,
            "can_apply": _can_apply(batch) and not working,
            "created": report.get("created", []),
            "changed": _labelled(report.get("changed", [])),
            "moves": _labelled(report.get("moves", [])),
            "deactivated": report.get("deactivated", []),
        },
    )


def _labelled(items: list[dict]) -> list[dict]:
    """Field names in a report's changes shown with the models' Swedish labels."""
    rows = []
    for item in items:
        model = SchoolUnit if item.get("kind") == "unit" else Principal
        changes = {}
        for name, values in item.get("changes", {}).items():
            try:
                label = capfirst(model._meta.get_field(name).verbose_name)
            except FieldDoesNotExist:
                label = name
            changes[label] = values
        rows.append({**item, "changes": changes})
    return rows


def _can_apply(batch: ImportBatch) -> bool:
    report = batch.report
    if batch.status != ImportBatch.Status.PLANNED:
        return False
    return not (report.get("problem_count") and not batch.skip_invalid)


@permission_required(MANAGE_PRINCIPALS)
@require_POST
def import_apply(request, pk):
    """Start the import on a worker and show its job; the job links back to the result."""
    batch = _own_batch(request, pk)
    try:
        job = services.import_batch_confirm(
            batch=batch, actor=request.user, confirm_moves=request.POST.get("confirm_moves") == "on"
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("principals:import-detail", pk=batch.pk)
    return redirect("portal:job-detail", pk=job.pk)
