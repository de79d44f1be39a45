"""The submitted final report keeps its XLSX too, frozen with its checksum.

Reports submitted before this change get the XLSX made from their stored numbers (the
snapshot), never from today's data.
"""

import hashlib
import json

from django.db import migrations, models


def freeze_existing(apps, schema_editor):
    from reporting.final_report.render import report_workbook

    SubmittedReport = apps.get_model("reporting", "SubmittedReport")
    for submitted in SubmittedReport.objects.filter(xlsx_sha256=""):
        workbook = report_workbook(json.loads(submitted.snapshot_json))
        # A queryset update: the model refuses changes to a submitted report by design.
        SubmittedReport.objects.filter(pk=submitted.pk).update(
            xlsx=workbook, xlsx_sha256=hashlib.sha256(workbook).hexdigest()
        )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_round_publication")]

    operations = [
        migrations.AddField(
            model_name="submittedreport",
            name="xlsx",
            field=models.BinaryField(default=b"", verbose_name="tables (XLSX)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="submittedreport",
            name="xlsx_sha256",
            field=models.CharField(
                default="", max_length=64, verbose_name="XLSX checksum (SHA-256)"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(freeze_existing, migrations.RunPython.noop),
    ]
