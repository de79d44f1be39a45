"""The history on an activity page, as staff read it at desktop and phone widths."""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from agreement import data_2020, services
from agreement.models import Activity, Initiative
from tests.portal.factories import staff_user

pytestmark = pytest.mark.django_db(transaction=True)

LONG = (
    "Huvudmännen får stöd att införa e-legitimation för personal och elever: vägledning, "
    "exempel på avtal med leverantörer, en checklista för upphandling och återkommande "
    "webbinarier där huvudmän som kommit långt berättar hur de gjorde."
)


@pytest.mark.parametrize("width", [1280, 375])
def test_activity_history_reads_like_a_record(
    page, live_server, browser_login, password, width, tmp_path
):
    agreement, _ = data_2020.load()
    lena = staff_user(username="lena.l", first_name="Lena", last_name="Lindgren")
    lena.set_password(password)
    lena.save()
    activity = services.activity_create(
        actor=lena,
        agreement=agreement,
        fields={
            "title": "Stöd för e-legitimation",
            "planned_start": datetime.date(2021, 3, 1),
            "planned_end": datetime.date(2021, 12, 15),
            "status": Activity.Status.PLANNED,
        },
        initiatives=Initiative.objects.filter(number=11),
        budgets={2021: Decimal("1250000")},
    )
    services.activity_update(
        actor=lena,
        activity=activity,
        seen_version=activity.version,
        fields={
            "status": Activity.Status.ONGOING,
            "actual_start": datetime.date(2021, 3, 5),
            "description": LONG,
        },
        initiatives=activity.initiatives.all(),
        commitments=[],
        partners=[],
        budgets={2021: Decimal("1400000")},
    )
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(page, lena)
    page.goto(f"{live_server.url}{activity.get_absolute_url()}")
    history = page.locator("section.history")
    expect(history.get_by_role("heading", level=2)).to_have_text("Historik")
    expect(history).to_contain_text("Lena Lindgren")
    expect(history).to_contain_text("Status")
    expect(history).to_contain_text("Pågår")
    expect(history).to_contain_text("Budget 2021")
    expect(history).to_contain_text("1 400 000 kr")
    expect(history).to_contain_text("5 mars 2021")
    long_text = history.locator("details.change-long")
    expect(long_text.locator("summary")).to_contain_text("Huvudmännen får stöd")
    long_text.locator("summary").click()
    expect(long_text).to_contain_text("webbinarier")
    expect(history).not_to_contain_text("lena.l")
    expect(history).not_to_contain_text("ongoing")
    shots = Path(os.environ.get("HISTORY_SCREENSHOTS", tmp_path))
    history.screenshot(path=shots / f"activity-history-{width}.png")

    page.goto(f"{live_server.url}{agreement.get_absolute_url()}")
    history = page.locator("section.history")
    expect(history).to_contain_text("Systemet (inläsning av överenskommelsen 2020)")
