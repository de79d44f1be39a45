"""The accessibility statement's facts and its feedback function (lagen (2018:1937) om
tillgänglighet till digital offentlig service; DIGG's list of required parts:
https://www.digg.se/kunskap-och-stod/digital-tillganglighet/skapa-en-tillganglighetsredogorelse).

The compliance status and the dates are settings (ACCESSIBILITY_*), set when an assessment is
done; `manage.py check` warns once the assessment is older than ACCESSIBILITY_REVIEW_DAYS, and
the page then says it is due for review, so it cannot silently age. The known problems and the
manual checks are data here, beside the code they describe.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import outbox
from .audit import Action, record
from .login_throttle import client_address
from .models import AccessibilityFeedback
from .roles import LEAD_GROUP, STAFF_GROUP

COMPLAINT_URL = "https://www.digg.se/tdosanmalan"
FEEDBACK_WINDOW_SECONDS = 60 * 60

COMPLIANCE = {
    "full": _("fully compliant"),
    "partial": _("partially compliant"),
    "none": _("not compliant"),
}


@dataclass(frozen=True)
class Problem:
    """Content that is not accessible: what, who it affects, why, and what to do meanwhile."""

    what: str
    why: str
    instead: str


PROBLEMS = [
    Problem(
        what=_(
            "Downloaded PDF files (answers, the final report) are tagged PDF/A documents, but "
            "they have not been checked with a screen reader or a PDF/UA validator."
        ),
        why=_("No PDF/UA validator is available to us yet; the check is planned."),
        instead=_("Every figure in a PDF is also on the portal's pages and in the XLSX file."),
    ),
    Problem(
        what=_(
            "Downloaded spreadsheets (XLSX and CSV) have not been checked for accessibility "
            "(sheet names, header rows and reading order in a screen reader)."
        ),
        why=_("They are made for further work in a spreadsheet program; not yet assessed."),
        instead=_("The same tables are on the portal's pages as HTML tables."),
    ),
    Problem(
        what=_(
            "The administration pages (/admin/), used only by the portal's administrators, "
            "are Django's own and are not covered by the automated or manual checks."
        ),
        why=_("They are not part of the service for organisers, programme staff or readers."),
        instead=_("Administrators can do the everyday work in the portal's own pages."),
    ),
    Problem(
        what=_("The portal has not been tested with a screen reader (NVDA, JAWS, VoiceOver)."),
        why=_("No test with assistive technology has been done yet; it is planned."),
        instead=_("Tell us through the form below if something does not work for you."),
    ),
]

# What was actually done by hand, and how. Keep it true: redo the checks or change the text.
MANUAL_CHECKS = [
    _(
        "Keyboard only, in Chromium: the accessibility statement and its form, sign-in, an "
        "organiser's start page and self-assessment form, the staff start page and the "
        "readiness and programme dashboards. Every link, field and button was reached with Tab "
        "in reading order and showed where the focus was; the skip link moves the focus to the "
        "content."
    ),
    _(
        "Zoom to 200 and 400 percent: the same pages in a window 640 and 320 CSS pixels wide "
        "(what 200 and 400 percent zoom of a 1280-pixel window gives). No page scrolls "
        "sideways; wide tables scroll inside their own frame. A long e-mail address on the "
        "organiser's page did push the page sideways at 400 percent and was fixed."
    ),
]
# 12 §: content excepted as a disproportionate burden; 9 §: content outside the law.
EXEMPTIONS: list = []
OUT_OF_SCOPE: list = []


@dataclass(frozen=True)
class Statement:
    compliance: str
    assessed_on: datetime.date
    updated_on: datetime.date
    review_due: bool

    @property
    def compliance_label(self) -> str:
        return COMPLIANCE[self.compliance]


def statement(today: datetime.date | None = None) -> Statement:
    today = today or timezone.localdate()
    assessed = datetime.date.fromisoformat(str(settings.ACCESSIBILITY_ASSESSED_ON))
    return Statement(
        compliance=settings.ACCESSIBILITY_COMPLIANCE,
        assessed_on=assessed,
        updated_on=datetime.date.fromisoformat(str(settings.ACCESSIBILITY_UPDATED_ON)),
        review_due=(today - assessed).days > settings.ACCESSIBILITY_REVIEW_DAYS,
    )


def check_statement(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check`: a statement that is wrong or overdue is reported, never shown quietly."""
    errors = []
    if settings.ACCESSIBILITY_COMPLIANCE not in COMPLIANCE:
        errors.append(
            checks.Error(
                f"ACCESSIBILITY_COMPLIANCE must be one of {', '.join(COMPLIANCE)}.",
                id="portal.E020",
            )
        )
        return errors
    try:
        current = statement()
    except ValueError:
        return [checks.Error("ACCESSIBILITY_*_ON must be ISO dates.", id="portal.E021")]
    if current.review_due:
        errors.append(
            checks.Warning(
                f"The accessibility statement was last assessed on {current.assessed_on}: "
                "assess the portal again and set ACCESSIBILITY_ASSESSED_ON and "
                "ACCESSIBILITY_UPDATED_ON.",
                id="portal.W020",
            )
        )
    return errors


# ---- the feedback function ---------------------------------------------------------------


class TooMuchFeedback(Exception):
    """More messages from one client address within the hour than the limit allows."""


def _limit_key(request) -> str:
    address = client_address(request) or "unknown"
    return "portal:feedback:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def feedback_allowed(request) -> bool:
    return (cache.get(_limit_key(request)) or 0) < settings.ACCESSIBILITY_FEEDBACK_PER_HOUR


def _count(request) -> None:
    key = _limit_key(request)
    if cache.add(key, 1, FEEDBACK_WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, FEEDBACK_WINDOW_SECONDS)


def staff_addresses() -> list[str]:
    if settings.ACCESSIBILITY_FEEDBACK_TO:
        return list(settings.ACCESSIBILITY_FEEDBACK_TO)
    users = get_user_model().objects.filter(
        Q(groups__name__in=[STAFF_GROUP, LEAD_GROUP]), is_active=True
    )
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def feedback_send(
    *, request, name: str, email: str, page: str, message: str
) -> AccessibilityFeedback:
    """Store the message, e-mail it to programme staff and a receipt to the sender."""
    if not feedback_allowed(request):
        raise TooMuchFeedback
    sender = request.user if request.user.is_authenticated else None
    with transaction.atomic(durable=True):
        feedback = AccessibilityFeedback.objects.create(
            sender=sender, name=name, email=email, page=page, message=message
        )
        record(
            actor=sender or "",
            subject=feedback,
            action=Action.FEEDBACK_RECEIVED,
            changes={"page": [None, page]} if page else None,
        )
        context = {"feedback": feedback, "base_url": settings.PORTAL_BASE_URL}
        with translation.override(settings.LANGUAGE_CODE):
            staff_subject, staff_body = outbox.compose("portal/email/feedback", context)
            receipt_subject, receipt_body = outbox.compose("portal/email/feedback_receipt", context)
        outbox.queue(
            outbox.Mail(
                key=f"feedback:{feedback.pk}",
                kind="accessibility_feedback",
                to=staff_addresses(),
                subject=staff_subject,
                body=staff_body,
                label=feedback.reference,
            ),
            outbox.Mail(
                key=f"feedback-receipt:{feedback.pk}",
                kind="accessibility_feedback_receipt",
                to=[email],
                subject=receipt_subject,
                body=receipt_body,
                label=feedback.reference,
            ),
            actor=sender,
        )
    _count(request)
    return feedback
