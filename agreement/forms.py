"""Forms only collect and type the input; the rules live in services.py."""

from decimal import Decimal

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.templatetags.portal import kr
from principals.models import Principal

from . import selectors
from .models import (
    Activity,
    Agreement,
    Commitment,
    Cost,
    Deliverable,
    FundingYear,
    Initiative,
    Milestone,
    Partner,
    ProgressUpdate,
    Rating,
)
from .services import budget_field, validate_cost_amount


class DateInput(forms.DateInput):
    """A native date picker; the value is always ISO (YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class RecordsField(forms.ModelMultipleChoiceField):
    """Refuses ids outside a 64-bit integer as invalid choices instead of querying them
    (SQLite raises OverflowError for such a number in an IN list: a server error)."""

    def _check_values(self, value):
        for pk in value or ():
            try:
                number = int(str(pk).strip())
            except ValueError:
                continue  # the parent refuses it as it always has
            if not -(2**63) <= number < 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def formfield(db_field, **kwargs):
    if isinstance(db_field, models.ManyToManyField):
        kwargs["form_class"] = RecordsField
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs["widget"] = DateInput
    elif isinstance(db_field, models.DecimalField):
        kwargs["localize"] = True
        kwargs["widget"] = forms.TextInput(attrs={"inputmode": "decimal"})
    elif isinstance(db_field, models.ManyToManyField) and db_field.name != "principals":
        kwargs["widget"] = forms.CheckboxSelectMultiple
    return db_field.formfield(**kwargs)


class ProgrammeForm(forms.ModelForm):
    """Splits cleaned data into plain fields and many-to-many sets for the services."""

    m2m: tuple[str, ...] = ()

    def fields_data(self) -> dict:
        names = set(self._meta.fields) - set(self.m2m)
        return {k: v for k, v in self.cleaned_data.items() if k in names}

    def m2m_data(self) -> dict:
        return {k: self.cleaned_data.get(k, []) for k in self.m2m}


class AgreementForm(ProgrammeForm):
    m2m = ("initiatives",)

    class Meta:
        model = Agreement
        fields = [
            "title",
            "registration_number",
            "government_party",
            "counterparty",
            "signed_on",
            "starts_on",
            "ends_on",
            "final_report_due",
            "description",
            "initiatives",
        ]
        formfield_callback = formfield


class FundingYearForm(ProgrammeForm):
    class Meta:
        model = FundingYear
        fields = ["year", "allocated"]
        formfield_callback = formfield


class InitiativeForm(ProgrammeForm):
    class Meta:
        model = Initiative
        fields = ["number", "title", "purpose", "status", "decided_by", "lead_actor", "comment"]
        formfield_callback = formfield


class CommitmentForm(ProgrammeForm):
    m2m = ("initiatives",)

    class Meta:
        model = Commitment
        fields = ["order", "title", "text", "source_note", "initiatives"]
        formfield_callback = formfield


class PartnerForm(ProgrammeForm):
    class Meta:
        model = Partner
        fields = ["name", "description", "website"]
        formfield_callback = formfield


class ActivityForm(ProgrammeForm):
    """Also one budget field per funding year of the agreement, and the version when editing."""

    m2m = ("initiatives", "commitments", "partners")

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Activity
        fields = [
            "title",
            "description",
            "initiatives",
            "commitments",
            "partners",
            "responsible",
            "status",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
        ]
        formfield_callback = formfield

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        self.fields["initiatives"].queryset = (
            agreement.initiatives.all() if agreement.initiatives.exists() else Initiative.objects
        )
        self.fields["commitments"].queryset = agreement.commitments.all()
        self.fields["partners"].queryset = Partner.objects.all()
        self.fields["responsible"].queryset = selectors.programme_staff()
        self.fields["responsible"].label_from_instance = lambda u: (
            u.get_full_name() or u.get_username()
        )
        existing = {}
        if self.instance.pk:
            existing = {b.funding_year_id: b.amount for b in self.instance.budgets.all()}
            self.fields["version"].initial = self.instance.version
        self.years = []
        for fy in selectors.funding_years_with_totals(agreement):
            name = budget_field(fy.year)
            mine = existing.get(fy.pk, Decimal("0"))
            self.fields[name] = forms.DecimalField(
                label=_("Budget %(year)s (SEK)") % {"year": fy.year},
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                initial=existing.get(fy.pk),
                help_text=_("Allocated %(allocated)s, of which %(free)s not yet budgeted.")
                % {"allocated": kr(fy.allocated), "free": kr(fy.unbudgeted + mine)},
            )
            self.years.append(fy.year)

    def budgets(self) -> dict[int, Decimal | None]:
        return {year: self.cleaned_data.get(budget_field(year)) for year in self.years}

    def budget_fields(self):
        return [self[budget_field(year)] for year in self.years]

    def main_fields(self):
        skip = {budget_field(year) for year in self.years} | {"version"}
        return [f for f in self.visible_fields() if f.name not in skip]


class MilestoneForm(ProgrammeForm):
    class Meta:
        model = Milestone
        fields = ["title", "description", "due_on", "completed_on"]
        formfield_callback = formfield


class DeliverableForm(ProgrammeForm):
    m2m = ("principals",)

    class Meta:
        model = Deliverable
        fields = [
            "kind",
            "title",
            "delivered_on",
            "link",
            "participants",
            "principals",
            "description",
        ]
        formfield_callback = formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["principals"]
        field.queryset = Principal.objects.order_by("name")
        field.widget.attrs["size"] = 8
        field.help_text = _("Hold down Ctrl (Cmd on a Mac) to choose more than one.")


class CostForm(ProgrammeForm):
    class Meta:
        model = Cost
        fields = ["incurred_on", "amount", "category", "note"]
        formfield_callback = formfield

    def clean_amount(self):
        """The service's rule, checked here too so that it is reported on the field."""
        amount = self.cleaned_data["amount"]
        validate_cost_amount(amount)
        return amount


class ProgressUpdateForm(ProgrammeForm):
    class Meta:
        model = ProgressUpdate
        fields = ["reported_on", "rating", "done", "next_steps", "risks"]
        formfield_callback = formfield
        widgets = {"rating": forms.RadioSelect}


class ActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    agreement = django_filters.ModelChoiceFilter(
        label=_("Agreement"), queryset=Agreement.objects.all(), empty_label=_("All")
    )
    initiative = django_filters.ModelChoiceFilter(
        label=_("Initiative"),
        field_name="initiatives",
        queryset=Initiative.objects.all(),
        empty_label=_("All"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Activity.Status.choices, empty_label=_("All")
    )
    responsible = django_filters.ModelChoiceFilter(
        label=_("Responsible"),
        queryset=lambda request: selectors.programme_staff(),
        empty_label=_("All"),
    )
    rating = django_filters.ChoiceFilter(
        label=_("Latest rating"),
        choices=[*Rating.choices, ("none", _("No update yet"))],
        method="by_rating",
        empty_label=_("All"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Only activities with overdue milestones"),
        method="by_overdue",
        widget=forms.CheckboxInput,
    )
    archived = django_filters.BooleanFilter(
        label=_("Include archived activities"),
        method="by_archived",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Activity
        fields = ["q", "agreement", "initiative", "status", "responsible", "rating", "overdue"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["responsible"].label_from_instance = lambda u: (
            u.get_full_name() or u.get_username()
        )
        self.form.fields["q"].widget.input_type = "search"

    @property
    def qs(self):
        queryset = super().qs
        cleaned = getattr(self.form, "cleaned_data", {})
        if not cleaned.get("archived"):
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset.distinct() if cleaned.get("initiative") else queryset

    def search(self, queryset, name, value):
        return queryset.filter(
            models.Q(title__icontains=value) | models.Q(description__icontains=value)
        )

    def by_rating(self, queryset, name, value):
        if value == "none":
            return queryset.filter(latest_rating__isnull=True)
        return queryset.filter(latest_rating=value)

    def by_overdue(self, queryset, name, value):
        return queryset.filter(overdue_milestones__gt=0) if value else queryset

    def by_archived(self, queryset, name, value):
        return queryset  # applied in qs, after the other filters
