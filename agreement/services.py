"""Every write to the work programme: validate, save and record who did what, in one transaction.

Each refusal is a ValidationError keyed by form field, so the view shows it on the form and
nothing is saved.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import Action, diff, record, snapshot
from portal.concurrency import lock_if_unchanged
from portal.formatting import kr

from .models import (
    Activity,
    ActivityBudget,
    Agreement,
    Commitment,
    Cost,
    Deliverable,
    FundingYear,
    Initiative,
    Milestone,
    Partner,
    ProgressUpdate,
)

UNTRACKED = {"created_at", "updated_at", "version"}
ZERO = Decimal("0")


# ---- shared helpers ---------------------------------------------------------------------------


def _snap(instance: models.Model) -> dict[str, Any]:
    return {k: v for k, v in snapshot(instance).items() if k not in UNTRACKED}


def _apply(instance: models.Model, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


def _set_m2m(instance: models.Model, m2m: dict[str, Iterable] | None) -> None:
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)


def _created(*, actor, instance: models.Model, extra: dict[str, Any] | None = None) -> None:
    after = {**_snap(instance), **(extra or {})}
    changes = {k: [None, v] for k, v in after.items() if v not in (None, "", [], False)}
    record(actor=actor, subject=instance, action=Action.CREATED, changes=changes)


def _create(*, actor, instance: models.Model, m2m: dict[str, Iterable] | None = None):
    instance.full_clean()
    instance.save()
    _set_m2m(instance, m2m)
    _created(actor=actor, instance=instance)
    return instance


def _update(
    *,
    actor,
    instance: models.Model,
    fields: dict[str, Any],
    m2m: dict[str, Iterable] | None = None,
    validate=None,
):
    before = _snap(instance)
    _apply(instance, fields)
    if validate is not None:
        validate(instance)
    instance.full_clean()
    instance.save()
    _set_m2m(instance, m2m)
    changes = diff(before, _snap(instance))
    if changes:
        record(actor=actor, subject=instance, action=Action.CHANGED, changes=changes)
    return instance


def _delete(*, actor, instance: models.Model, note: str = "") -> None:
    before = _snap(instance)
    changes = {k: [v, None] for k, v in before.items() if v not in (None, "", [], False)}
    record(actor=actor, subject=instance, action=Action.DELETED, changes=changes, note=note)
    instance.delete()


# ---- agreements and funding ----------------------------------------------------------------


def _check_agreement(agreement: Agreement) -> None:
    errors: dict[str, str] = {}
    if agreement.starts_on and agreement.ends_on and agreement.ends_on < agreement.starts_on:
        errors["ends_on"] = _("The period cannot end before it starts.")
    if (
        agreement.ends_on
        and agreement.final_report_due
        and agreement.final_report_due < agreement.ends_on
    ):
        errors["final_report_due"] = _("The final report cannot be due before the period ends.")
    if agreement.pk and agreement.starts_on and agreement.ends_on and not errors:
        outside = agreement.funding_years.exclude(
            year__gte=agreement.starts_on.year, year__lte=agreement.ends_on.year
        ).values_list("year", flat=True)
        if outside:
            years = ", ".join(str(y) for y in outside)
            errors["ends_on"] = _(
                "The funding years %(years)s would fall outside the period. "
                "Change or remove them first."
            ) % {"years": years}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def agreement_create(
    *, actor, fields: dict[str, Any], initiatives: Iterable[Initiative] = ()
) -> Agreement:
    agreement = Agreement(**fields)
    _check_agreement(agreement)
    return _create(actor=actor, instance=agreement, m2m={"initiatives": initiatives})


@transaction.atomic
def agreement_update(
    *, actor, agreement: Agreement, fields: dict[str, Any], initiatives: Iterable[Initiative]
) -> Agreement:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    return _update(
        actor=actor,
        instance=agreement,
        fields=fields,
        m2m={"initiatives": initiatives},
        validate=_check_agreement,
    )


def agreement_delete_blockers(agreement: Agreement) -> list[str]:
    if agreement.activities.exists():
        return [
            _(
                "The agreement has activities, so it cannot be deleted. "
                "Set its status to Ended instead."
            )
        ]
    return []


@transaction.atomic
def agreement_delete(*, actor, agreement: Agreement) -> None:
    blockers = agreement_delete_blockers(agreement)
    if blockers:
        raise ValidationError(blockers)
    _delete(actor=actor, instance=agreement)


def _check_funding_year(funding_year: FundingYear) -> None:
    agreement = funding_year.agreement
    if funding_year.year is None:
        return
    if not agreement.starts_on.year <= funding_year.year <= agreement.ends_on.year:
        raise ValidationError(
            {
                "year": _("The year must fall within the agreement's period (%(start)s–%(end)s).")
                % {"start": agreement.starts_on.year, "end": agreement.ends_on.year}
            }
        )
    if funding_year.pk and funding_year.allocated is not None:
        budgeted = funding_year.budgets.aggregate(total=Sum("amount"))["total"] or ZERO
        if funding_year.allocated < budgeted:
            raise ValidationError(
                {
                    "allocated": _(
                        "Activities already have %(budgeted)s budgeted for this year; "
                        "the allocation cannot be lower."
                    )
                    % {"budgeted": kr(budgeted)}
                }
            )


@transaction.atomic
def funding_year_create(
    *, actor, agreement: Agreement, year: int, allocated: Decimal
) -> FundingYear:
    funding_year = FundingYear(agreement=agreement, year=year, allocated=allocated)
    _check_funding_year(funding_year)
    return _create(actor=actor, instance=funding_year)


@transaction.atomic
def funding_year_update(
    *, actor, funding_year: FundingYear, year: int, allocated: Decimal
) -> FundingYear:
    funding_year = FundingYear.objects.select_for_update().get(pk=funding_year.pk)
    return _update(
        actor=actor,
        instance=funding_year,
        fields={"year": year, "allocated": allocated},
        validate=_check_funding_year,
    )


def funding_year_delete_blockers(funding_year: FundingYear) -> list[str]:
    blockers = []
    if funding_year.budgets.filter(amount__gt=0).exists():
        blockers.append(_("Activities have budgets in this funding year."))
    if Cost.objects.filter(
        activity__agreement=funding_year.agreement, incurred_on__year=funding_year.year
    ).exists():
        blockers.append(_("Costs have been recorded in this funding year."))
    return blockers


@transaction.atomic
def funding_year_delete(*, actor, funding_year: FundingYear) -> None:
    blockers = funding_year_delete_blockers(funding_year)
    if blockers:
        raise ValidationError(blockers)
    funding_year.budgets.all().delete()  # only zero budgets remain
    _delete(actor=actor, instance=funding_year)


# ---- initiatives, commitments, partners -------------------------------------------------


@transaction.atomic
def initiative_create(*, actor, fields: dict[str, Any]) -> Initiative:
    return _create(actor=actor, instance=Initiative(**fields))


@transaction.atomic
def initiative_update(*, actor, initiative: Initiative, fields: dict[str, Any]) -> Initiative:
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    return _update(actor=actor, instance=initiative, fields=fields)


@transaction.atomic
def commitment_create(
    *,
    actor,
    agreement: Agreement,
    fields: dict[str, Any],
    initiatives: Iterable[Initiative] = (),
) -> Commitment:
    commitment = Commitment(agreement=agreement, **fields)
    return _create(actor=actor, instance=commitment, m2m={"initiatives": initiatives})


@transaction.atomic
def commitment_update(
    *,
    actor,
    commitment: Commitment,
    fields: dict[str, Any],
    initiatives: Iterable[Initiative],
) -> Commitment:
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    return _update(
        actor=actor, instance=commitment, fields=fields, m2m={"initiatives": initiatives}
    )


@transaction.atomic
def commitment_delete(*, actor, commitment: Commitment) -> None:
    _delete(actor=actor, instance=commitment)


@transaction.atomic
def partner_create(*, actor, fields: dict[str, Any]) -> Partner:
    return _create(actor=actor, instance=Partner(**fields))


@transaction.atomic
def partner_update(*, actor, partner: Partner, fields: dict[str, Any]) -> Partner:
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    return _update(actor=actor, instance=partner, fields=fields)


@transaction.atomic
def partner_delete(*, actor, partner: Partner) -> None:
    _delete(actor=actor, instance=partner)


# ---- activities ------------------------------------------------------------------------------


def budget_field(year: int) -> str:
    """The form field that holds an activity's budget for a year (errors are keyed by it)."""
    return f"budget_{year}"


def _budget_snapshot(activity: Activity) -> dict[str, str]:
    """Budgets keyed by their form field (a fact); the history shows "Budget 2021" and kr."""
    return {
        budget_field(b.funding_year.year): str(b.amount)
        for b in activity.budgets.select_related("funding_year")
    }


def _check_activity_dates(activity: Activity) -> dict[str, Any]:
    errors = {}
    if (
        activity.planned_start
        and activity.planned_end
        and activity.planned_end < activity.planned_start
    ):
        errors["planned_end"] = _("The activity cannot end before it starts.")
    start, end = activity.actual_start, activity.actual_end
    if start and end and end < start:
        errors["actual_end"] = _("The activity cannot end before it starts.")
    if activity.actual_end and not activity.actual_start:
        errors["actual_start"] = _("Give the actual start when there is an actual end.")
    return errors


def _save_budgets(
    activity: Activity, budgets: dict[int, Decimal | None], errors: dict[str, Any]
) -> None:
    """Check each year's total against its allocation (rows locked) and store the budgets."""
    funding_years = {
        fy.year: fy
        for fy in FundingYear.objects.select_for_update().filter(agreement=activity.agreement)
    }
    for year, amount in sorted(budgets.items()):
        fy = funding_years.get(year)
        if fy is None:
            errors[budget_field(year)] = _("The agreement has no funding year %(year)s.") % {
                "year": year
            }
            continue
        amount = amount or ZERO
        if amount < 0:
            errors[budget_field(year)] = _("A budget cannot be negative.")
            continue
        others = (
            ActivityBudget.objects.filter(funding_year=fy)
            .exclude(activity=activity)
            .aggregate(total=Sum("amount"))["total"]
            or ZERO
        )
        if others + amount > fy.allocated:
            left = max(fy.allocated - others, ZERO)
            errors[budget_field(year)] = _(
                "The activities' budgets for %(year)s would exceed the year's funding. "
                "At most %(left)s is left to budget."
            ) % {"year": year, "left": kr(left)}
    if errors:
        raise ValidationError(errors)
    for year, amount in budgets.items():
        if amount:
            ActivityBudget.objects.update_or_create(
                activity=activity, funding_year=funding_years[year], defaults={"amount": amount}
            )
        else:
            ActivityBudget.objects.filter(activity=activity, funding_year__year=year).delete()


def _full_clean(activity: Activity, errors: dict[str, Any]) -> None:
    """Model validation too, so every problem is reported at once; the budgets add theirs."""
    try:
        activity.full_clean(exclude=list(errors))
    except ValidationError as exc:
        errors.update(exc.message_dict)


def _activity_m2m(initiatives, commitments, partners) -> dict[str, Iterable]:
    return {"initiatives": initiatives, "commitments": commitments, "partners": partners}


@transaction.atomic
def activity_create(
    *,
    actor,
    agreement: Agreement,
    fields: dict[str, Any],
    initiatives: Iterable[Initiative] = (),
    commitments: Iterable[Commitment] = (),
    partners: Iterable[Partner] = (),
    budgets: dict[int, Decimal | None] | None = None,
) -> Activity:
    activity = Activity(agreement=agreement, **fields)
    errors = _check_activity_dates(activity)
    _full_clean(activity, errors)
    activity.save()
    _save_budgets(activity, budgets or {}, errors)
    _set_m2m(activity, _activity_m2m(initiatives, commitments, partners))
    _created(actor=actor, instance=activity, extra=_budget_snapshot(activity))
    return activity


@transaction.atomic
def activity_update(
    *,
    actor,
    activity: Activity,
    seen_version: int,
    fields: dict[str, Any],
    initiatives: Iterable[Initiative],
    commitments: Iterable[Commitment],
    partners: Iterable[Partner],
    budgets: dict[int, Decimal | None] | None = None,
) -> Activity:
    """Refuses with EditConflict when someone saved the activity after `seen_version`."""
    current = lock_if_unchanged(Activity.objects.all(), activity.pk, seen_version)
    before = {**_snap(current), **_budget_snapshot(current)}
    _apply(current, fields)
    errors = _check_activity_dates(current)
    _full_clean(current, errors)
    current.save()
    _save_budgets(current, budgets or {}, errors)
    _set_m2m(current, _activity_m2m(initiatives, commitments, partners))
    changes = diff(before, {**_snap(current), **_budget_snapshot(current)})
    if changes:
        changes["version"] = [current.version, current.version + 1]
        current.version += 1
        current.save(update_fields=["version"])
        record(actor=actor, subject=current, action=Action.CHANGED, changes=changes)
    return current


def activity_delete_blockers(activity: Activity) -> list[str]:
    if activity.costs.exists() or activity.updates.exists():
        return [
            _(
                "The activity has costs or progress updates, which must be kept. "
                "Archive it instead: it disappears from the lists but its history stays."
            )
        ]
    return []


@transaction.atomic
def activity_delete(*, actor, activity: Activity) -> None:
    blockers = activity_delete_blockers(activity)
    if blockers:
        raise ValidationError(blockers)
    _delete(actor=actor, instance=activity)


@transaction.atomic
def activity_archive(*, actor, activity: Activity) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.archived_at is None:
        activity.archived_at = timezone.now()
        activity.version += 1
        activity.save(update_fields=["archived_at", "version", "updated_at"])
        record(actor=actor, subject=activity, action=Action.ARCHIVED)
    return activity


@transaction.atomic
def activity_restore(*, actor, activity: Activity) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.archived_at is not None:
        activity.archived_at = None
        activity.version += 1
        activity.save(update_fields=["archived_at", "version", "updated_at"])
        record(actor=actor, subject=activity, action=Action.RESTORED)
    return activity


# ---- milestones, deliverables, costs, progress updates ----------------------------------


@transaction.atomic
def milestone_create(*, actor, activity: Activity, fields: dict[str, Any]) -> Milestone:
    return _create(actor=actor, instance=Milestone(activity=activity, **fields))


@transaction.atomic
def milestone_update(*, actor, milestone: Milestone, fields: dict[str, Any]) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    return _update(actor=actor, instance=milestone, fields=fields)


@transaction.atomic
def milestone_delete(*, actor, milestone: Milestone) -> None:
    _delete(actor=actor, instance=milestone)


@transaction.atomic
def deliverable_create(
    *, actor, activity: Activity, fields: dict[str, Any], principals: Iterable = ()
) -> Deliverable:
    deliverable = Deliverable(activity=activity, **fields)
    return _create(actor=actor, instance=deliverable, m2m={"principals": principals})


@transaction.atomic
def deliverable_update(
    *, actor, deliverable: Deliverable, fields: dict[str, Any], principals: Iterable
) -> Deliverable:
    deliverable = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    return _update(actor=actor, instance=deliverable, fields=fields, m2m={"principals": principals})


@transaction.atomic
def deliverable_delete(*, actor, deliverable: Deliverable) -> None:
    _delete(actor=actor, instance=deliverable)


def validate_cost_amount(amount: Decimal | None) -> None:
    if amount is not None and amount <= 0:
        raise ValidationError(_("The amount must be greater than zero."), code="not_positive")


def _check_cost(cost: Cost) -> None:
    errors = {}
    try:
        validate_cost_amount(cost.amount)
    except ValidationError as exc:
        errors["amount"] = exc.messages[0]
    if cost.incurred_on is not None:
        years = list(
            FundingYear.objects.filter(agreement=cost.activity.agreement)
            .order_by("year")
            .values_list("year", flat=True)
        )
        if cost.incurred_on.year not in years:
            errors["incurred_on"] = _(
                "The date must fall in one of the agreement's funding years (%(years)s)."
            ) % {"years": ", ".join(str(y) for y in years) or "–"}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def cost_create(*, actor, activity: Activity, fields: dict[str, Any]) -> Cost:
    cost = Cost(activity=activity, **fields)
    _check_cost(cost)
    return _create(actor=actor, instance=cost)


@transaction.atomic
def cost_update(*, actor, cost: Cost, fields: dict[str, Any]) -> Cost:
    cost = Cost.objects.select_for_update().get(pk=cost.pk)
    return _update(actor=actor, instance=cost, fields=fields, validate=_check_cost)


@transaction.atomic
def cost_delete(*, actor, cost: Cost) -> None:
    _delete(actor=actor, instance=cost)


@transaction.atomic
def progress_update_create(*, actor, activity: Activity, fields: dict[str, Any]) -> ProgressUpdate:
    """Updates are never changed afterwards; a correction is written as a new update."""
    author = actor if getattr(actor, "is_authenticated", False) else None
    update = ProgressUpdate(activity=activity, author=author, **fields)
    return _create(actor=actor, instance=update)
