"""The self-assessment form: one step per area of the framework, then a review to submit.

A step posts only its own area's answers; the view merges them into the saved draft, so the
draft is kept on the server between steps and the form needs no JavaScript. Checks live in
services, as before; the optimistic lock travels with every step.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from portal.concurrency import EditConflict
from portal.fragments import remember, subject_version
from portal.permissions import MANAGE_ROUNDS
from principals import access

from . import selectors, services
from .forms import comment_name, parse_answers, raw_from_answers, value_name
from .models import Assessment, FrameworkVersion, Indicator, ReportingRound

Types = Indicator.AnswerType
STEP = "steg"  # ?steg=2: the second area
CHECK = "kontrollera"  # ?kontrollera=1: show the step's unanswered required questions


def _for_editor(request, principal_pk, round_pk, *, with_previous=False):
    """Only the organiser's own editors fill in; everyone else is refused as before.
    With `with_previous`, the organiser's last submission in an earlier round comes too."""
    principal = access.get_principal_for_answers(request.user, principal_pk)
    reporting_round = _round(request, round_pk)
    if not principal.is_editor:  # an editor membership, found with the principal
        raise PermissionDenied
    if with_previous:
        return (
            principal,
            reporting_round,
            *selectors.assessment_and_previous(principal, reporting_round),
        )
    return principal, reporting_round, selectors.assessment_for(principal, reporting_round)


def _round(request, round_pk) -> ReportingRound:
    """The round with its framework; for reading, kept until a round or framework changes
    (portal/fragments.py subject_version: their changes record events), as every form page
    asks for it."""

    def read() -> ReportingRound | None:
        return (
            ReportingRound.objects.select_related("framework_version").filter(pk=round_pk).first()
        )

    if request.method in ("GET", "HEAD"):
        version = subject_version([ReportingRound, FrameworkVersion])
        found = remember("form-round", (round_pk,), read, version=version)
    else:
        found = read()
    if found is None:
        raise Http404
    return found


def _closed(request, principal, reporting_round):
    messages.warning(request, _("The round is closed: the answers can no longer be changed."))
    return redirect(
        "readiness:assessment-detail", principal_pk=principal.pk, round_pk=reporting_round.pk
    )


def step_url(principal, reporting_round, number: int, *, check=False, anchor="") -> str:
    url = reverse(
        "readiness:assessment-edit",
        kwargs={"principal_pk": principal.pk, "round_pk": reporting_round.pk},
    )
    url += f"?{STEP}={number}" + (f"&{CHECK}=1" if check else "")
    return url + (f"#{anchor}" if anchor else "")


def _review_url(principal, reporting_round) -> str:
    return reverse(
        "readiness:assessment-review",
        kwargs={"principal_pk": principal.pk, "round_pk": reporting_round.pk},
    )


def _step_number(request, count: int) -> int:
    try:
        number = int(request.GET.get(STEP, "1"))
    except ValueError:
        raise Http404 from None
    if not 1 <= number <= count:
        raise Http404
    return number


def _questions(indicators, raw, errors, previous_answers):
    questions = []
    for indicator in indicators:
        entry = raw.get(indicator.code) or {}
        value = entry.get("value", [] if indicator.answer_type == Types.MULTI_CHOICE else "")
        selected = set(value) if isinstance(value, list) else {value}
        options = [
            {
                "value": option_value,
                "label": label,
                "checked": option_value in selected,
                "id": f"q-{indicator.code}-{index}",
            }
            for index, (option_value, label) in enumerate(indicator.options())
        ]
        questions.append(
            {
                "indicator": indicator,
                "id": f"q-{indicator.code}",
                "name": value_name(indicator.code),
                "comment_name": comment_name(indicator.code),
                "value": value if isinstance(value, str) else "",
                "options": options,
                "comment": entry.get("comment", ""),
                "error": errors.get(indicator.code),
                "previous": selectors.display_value(
                    indicator, (previous_answers.get(indicator.code) or {}).get("value")
                ),
            }
        )
    return questions


def _errors_from(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {code: " ".join(msgs) for code, msgs in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}


def _only(answers: dict, indicators) -> dict:
    codes = {i.code for i in indicators}
    return {code: answer for code, answer in answers.items() if code in codes}


def _context(request, principal, reporting_round, assessment, steps, current):
    return {
        "principal": principal,
        "round": reporting_round,
        "assessment": assessment,
        "steps": steps,
        "current_step": current,
        "can_manage": request.user.has_perm(MANAGE_ROUNDS),
    }


@login_required
def assessment_edit(request, principal_pk, round_pk):
    principal, reporting_round, assessment, previous = _for_editor(
        request, principal_pk, round_pk, with_previous=True
    )
    if not services.is_editable(assessment, reporting_round) and request.method != "POST":
        return _closed(request, principal, reporting_round)
    indicators = selectors.indicators_for(reporting_round.framework_version)
    working = assessment.working if assessment else None
    saved = working.answers if working else {}
    steps = selectors.steps_for(indicators, saved)
    step = steps[_step_number(request, len(steps)) - 1]
    lock = assessment.version if assessment else 1
    errors: dict[str, str] = {}
    conflict_rows = None
    if request.method == "POST":
        others = frozenset(i.code for i in indicators) - {i.code for i in step.indicators}
        answers, raw, errors = parse_answers(step.indicators, request.POST, other_steps=others)
        lock = request.POST.get("lock", lock)
        if not errors:
            merged = {**saved, **answers}
            try:
                return _save_step(
                    request, principal, reporting_round, assessment, steps, step, merged, lock
                )
            except EditConflict as conflict:
                assessment = conflict.current
                theirs = assessment.working.answers if assessment.working else {}
                conflict_rows = selectors.diff_answers(
                    step.indicators, _only(theirs, step.indicators), _only(merged, step.indicators)
                )
                lock = assessment.version
                steps = selectors.steps_for(indicators, theirs)
            except ValidationError as exc:
                errors = _errors_from(exc)
            except ValueError:
                errors = {"__all__": _("The form could not be read. Reload the page.")}
    else:
        raw = raw_from_answers(saved)
        if request.GET.get(CHECK):
            errors = services.validate_answers(
                framework=reporting_round.framework_version,
                answers=_only(saved, step.indicators),
                complete=True,
                indicators=step.indicators,
            )
    questions = _questions(
        step.indicators, raw, errors, previous.current.answers if previous else {}
    )
    shown = {code: {"value": entry.get("value")} for code, entry in raw.items()}
    context = _context(request, principal, reporting_round, assessment, steps, step.number)
    context.update(
        {
            "step": step,
            "next_step": steps[step.number] if step.number < len(steps) else None,
            "questions": questions,
            "error_list": [
                {"anchor": q["id"], "label": q["indicator"].question, "message": q["error"]}
                for q in questions
                if q["error"]
            ],
            "general_error": errors.get("__all__"),
            "posted": request.method == "POST",
            "conflict_rows": conflict_rows,
            "lock": lock,
            "previous": previous,
            "progress": selectors.progress(indicators, {**saved, **shown}),
        }
    )
    if request.method == "GET" and not errors:
        # The questions, the list of areas and the progress line as saved: rendered once per
        # saved version and step (a save moves the assessment's version), without the form's
        # token (portal/fragments.py), in one cache entry. Before the first save they show
        # only the published framework and the earlier submission (a submitted version never
        # changes), so they are kept under those.
        framework = reporting_round.framework_version
        previous_version = previous.current_id if previous else None
        if assessment is not None:
            parts = (assessment.pk, step.number, previous_version)
            version = f"assessment:{assessment.version}"
        elif framework.status == framework.Status.PUBLISHED:
            parts = (principal.pk, reporting_round.pk, step.number, previous_version)
            version = f"unsaved:{framework.pk}:{framework.published_at.isoformat()}"
        else:
            parts = None
        if parts is not None:
            kept = remember(
                "assessment-form-parts", parts, lambda: _saved_parts(context), version=version
            )
            for name, html in kept.items():
                context[f"{name}_html"] = mark_safe(html)  # noqa: S308 (our own templates)
    return render(request, "readiness/assessment_form.html", context)


def _saved_parts(context) -> dict[str, str]:
    """What the form page shows of the saved answers, rendered (no token, nothing per user)."""
    return {
        name: render_to_string(f"readiness/partials/{name}.html", context)
        for name in ("questions", "steps", "progress")
    }


def _save_step(request, principal, reporting_round, assessment, steps, step, answers, lock):
    """Save the step if anything changed, then go where the button said."""
    if "next" in request.POST and step.number < len(steps):
        target = step_url(principal, reporting_round, step.number + 1)
    elif "next" in request.POST or "review" in request.POST:
        target = _review_url(principal, reporting_round)
    elif "previous" in request.POST and step.number > 1:
        target = step_url(principal, reporting_round, step.number - 1)
    else:
        target = step_url(principal, reporting_round, step.number)
    if services.draft_changes(assessment, answers):
        saved = services.assessment_save_draft(
            principal=principal,
            reporting_round=reporting_round,
            answers=answers,
            seen_version=lock,
            actor=request.user,
        )
        messages.success(
            request,
            _("The draft for the area %(area)s was saved at %(time)s.")
            % {
                "area": step.area.title,
                "time": f"{timezone.localtime(saved.draft.created_at):%H:%M}",
            },
        )
    elif "save" in request.POST:
        messages.info(
            request,
            _("Nothing to save: the answers in the area %(area)s are as they were saved.")
            % {"area": step.area.title},
        )
    return redirect(target)


@login_required
def assessment_review(request, principal_pk, round_pk):
    """Every answer on one page, what is missing with links to its step, and the submit."""
    principal, reporting_round, assessment = _for_editor(request, principal_pk, round_pk)
    if not services.is_editable(assessment, reporting_round) and request.method != "POST":
        return _closed(request, principal, reporting_round)
    framework = reporting_round.framework_version
    indicators = selectors.indicators_for(framework)
    errors: dict[str, str] = {}
    conflict = False
    if request.method == "POST":
        working = assessment.working if assessment else None
        try:
            version = services.assessment_submit(
                principal=principal,
                reporting_round=reporting_round,
                answers=working.answers if working else {},
                seen_version=request.POST.get("lock", ""),
                actor=request.user,
            )
        except EditConflict as exc:
            assessment, conflict = exc.current, True
        except ValidationError as exc:
            errors = _errors_from(exc)
        except ValueError:
            errors = {"__all__": _("The form could not be read. Reload the page.")}
        else:
            number = selectors.submission_number(version)
            messages.success(
                request,
                _("The self-assessment of %(principal)s was submitted as version %(number)s.")
                % {"principal": principal.name, "number": number},
            )
            return redirect(
                "readiness:assessment-receipt",
                principal_pk=principal.pk,
                round_pk=reporting_round.pk,
                number=number,
            )
    working = assessment.working if assessment else None
    saved = working.answers if working else {}
    steps = selectors.steps_for(indicators, saved)
    missing = errors or services.validate_answers(
        framework=framework, answers=saved, complete=True, indicators=indicators
    )
    step_of = {i.code: s for s in steps for i in s.indicators}
    problems = [
        {
            "url": step_url(
                principal, reporting_round, step_of[i.code].number, check=True, anchor=f"q-{i.code}"
            ),
            "area": step_of[i.code].area.title,
            "label": i.question,
            "message": missing[i.code],
        }
        for i in indicators
        if i.code in missing
    ]
    sections = [
        {
            "step": step,
            "url": step_url(principal, reporting_round, step.number),
            "rows": [
                {**row, "problem": missing.get(row["indicator"].code)}
                for row in selectors.answer_rows(step.indicators, saved)
            ],
        }
        for step in steps
    ]
    unchanged = (
        assessment is not None
        and assessment.state == Assessment.State.SUBMITTED
        and assessment.draft_id is None
    )
    context = _context(request, principal, reporting_round, assessment, steps, "review")
    context.update(
        {
            "sections": sections,
            "problems": problems,
            "failed": bool(errors),
            "general_error": missing.get("__all__"),
            "conflict": conflict,
            "unchanged": unchanged,
            "current_number": selectors.submission_number(assessment.current)
            if unchanged
            else None,
            "lock": assessment.version if assessment else 1,
            "progress": selectors.progress(indicators, saved),
        }
    )
    return render(request, "readiness/assessment_review.html", context)
