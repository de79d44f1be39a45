"""The agreement's status is derived from its period and the final report's submission date."""

from django.db import migrations, models
from django.utils import timezone


def copy_submission_dates(apps, schema_editor):
    """A reported agreement keeps the date its report was frozen; without one, its due date."""
    Agreement = apps.get_model("agreement", "Agreement")
    SubmittedReport = apps.get_model("reporting", "SubmittedReport")
    submitted = dict(
        SubmittedReport.objects.values_list("report__agreement_id", "submitted_at")
    )
    for agreement in Agreement.objects.filter(status="reported"):
        at = submitted.get(agreement.pk)
        agreement.reported_on = timezone.localdate(at) if at else agreement.final_report_due
        agreement.save(update_fields=["reported_on"])
    for agreement_id, at in submitted.items():
        Agreement.objects.filter(pk=agreement_id, reported_on__isnull=True).update(
            reported_on=timezone.localdate(at)
        )


def copy_back(apps, schema_editor):
    Agreement = apps.get_model("agreement", "Agreement")
    Agreement.objects.filter(reported_on__isnull=False).update(status="reported")


class Migration(migrations.Migration):
    dependencies = [
        ("agreement", "0001_initial"),
        ("reporting", "0003_submitted_report_xlsx"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreement",
            name="reported_on",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="Set when the final report is submitted.",
                null=True,
                verbose_name="final report submitted",
            ),
        ),
        migrations.RunPython(copy_submission_dates, copy_back),
    ]
