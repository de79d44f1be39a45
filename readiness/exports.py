"""The files an organiser's self-assessment is downloaded as: CSV and PDF.

Callers pass objects they have already checked access to; nothing here looks at a request.
Every output reads the same version (the last submission, else the draft) and names it alike.
"""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import spreadsheets
from portal.pdf import html_to_pdf

from . import selectors


def answers_for_output(assessment):
    """What plans and exports read: the last submission, else the draft."""
    if assessment is None:
        return None, {}
    version = assessment.current or assessment.draft
    return version, (version.answers if version else {})


def output_context(version) -> dict:
    """The version an output is based on, named the same way in every format."""
    return {"version": version, "submission": selectors.submission_number(version)}


def _export_rows(reporting_round, assessment):
    version, answers = answers_for_output(assessment)
    indicators = selectors.indicators_for(reporting_round.framework_version)
    return version, selectors.answer_rows(indicators, answers)


def assessment_filename(principal, reporting_round, *, ext: str) -> str:
    return spreadsheets.download_name(
        "sjalvskattning", principal.name[:50], reporting_round.name[:50], ext=ext
    )


def assessment_csv_write(*, stream, reporting_round, assessment) -> None:
    """One line per indicator, with the version and status the answers come from."""
    version, rows = _export_rows(reporting_round, assessment)
    writer = spreadsheets.CsvWriter(stream)
    writer.writerow(
        [
            _("Area"),
            _("Code"),
            _("Question"),
            _("Answer"),
            _("Comment"),
            _("Required"),
            _("DNP"),
            _("Version"),
            _("Status"),
        ]
    )
    status = version.get_kind_display() if version else ""
    submission = selectors.submission_number(version) or ""
    for row in rows:
        indicator = row["indicator"]
        writer.writerow(
            [
                indicator.area.title,
                indicator.code,
                indicator.question,
                row["answer"],
                row["comment"],
                _("Yes") if indicator.required else _("No"),
                _("Yes") if indicator.is_dnp else _("No"),
                submission,
                status,
            ]
        )


def assessment_pdf(*, principal, reporting_round, assessment) -> bytes:
    """The answers grouped by area, printed now, in the active language."""
    version, rows = _export_rows(reporting_round, assessment)
    groups = []
    for row in rows:
        area = row["indicator"].area
        if not groups or groups[-1][0].pk != area.pk:
            groups.append((area, []))
        groups[-1][1].append(row)
    html = render_to_string(
        "readiness/assessment_pdf.html",
        {
            "principal": principal,
            "round": reporting_round,
            **output_context(version),
            "groups": groups,
            "printed": timezone.localtime(),
        },
    )
    return html_to_pdf(html)
