"""Every programme form, fed hostile input as programme staff."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from .hostile import PROPERTY, check, counts, form_data, hostile_payload, rollback, snapshot

# (URL name, the record whose change page gives a valid payload, URL argument for a create)
FORMS = [
    ("agreement:agreement-create", "agreement", None),
    ("agreement:agreement-update", "agreement", "agreement"),
    ("agreement:fundingyear-create", "fundingyear", "agreement"),
    ("agreement:fundingyear-update", "fundingyear", "fundingyear"),
    ("agreement:commitment-create", "commitment", "agreement"),
    ("agreement:commitment-update", "commitment", "commitment"),
    ("agreement:initiative-create", "initiative", None),
    ("agreement:initiative-update", "initiative", "initiative"),
    ("agreement:partner-create", "partner", None),
    ("agreement:partner-update", "partner", "partner"),
    ("agreement:activity-create", "activity", "agreement"),
    ("agreement:activity-update", "activity", "activity"),
    ("agreement:milestone-create", "milestone", "activity"),
    ("agreement:milestone-update", "milestone", "milestone"),
    ("agreement:deliverable-create", "deliverable", "activity"),
    ("agreement:deliverable-update", "deliverable", "deliverable"),
    ("agreement:cost-create", "cost", "activity"),
    ("agreement:cost-update", "cost", "cost"),
    ("agreement:progressupdate-create", "progressupdate", "activity"),
]

BASE: dict = {}  # valid payloads, made once per test (hypothesis calls it many times)

EDIT_PAGE = {
    "agreement": "agreement:agreement-update",
    "fundingyear": "agreement:fundingyear-update",
    "commitment": "agreement:commitment-update",
    "initiative": "agreement:initiative-update",
    "partner": "agreement:partner-update",
    "activity": "agreement:activity-update",
    "milestone": "agreement:milestone-update",
    "deliverable": "agreement:deliverable-update",
    "cost": "agreement:cost-update",
}


def _valid_payload(client, programme, record: str, url: str) -> dict:
    page = EDIT_PAGE.get(record)
    if page is None:  # progress updates have no change page: the empty create form
        data = form_data(client.get(url).context["form"])
        data.update({"reported_on": "2021-05-01", "rating": "amber", "done": "Gjort"})
        return data
    return form_data(client.get(reverse(page, args=[programme[record].pk])).context["form"])


@pytest.mark.parametrize(("url_name", "record", "arg"), FORMS, ids=[f[0] for f in FORMS])
@given(data=st.data())
@PROPERTY
def test_programme_forms_refuse_hostile_input_cleanly(
    client, staff, programme, url_name, record, arg, data
):
    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    url = reverse(url_name, args=[programme[arg].pk] if arg else [])
    key = (url, id(programme))
    if key not in BASE:
        BASE[key] = _valid_payload(client, programme, record, url)
    base = BASE[key]
    payload = data.draw(hostile_payload(base, [*base, "version"]))
    watch = programme[arg] if url_name.endswith("-update") else None
    with rollback():
        before = counts()
        watched = snapshot(watch) if watch else None
        response = client.post(url, payload)
        check(response, before, watch=watch, watched=watched)


@pytest.mark.parametrize(
    "params",
    [{"q": "\x00"}, {"agreement": "1e9"}, {"responsible": "-1"}, {"page": "ÅÅÅÅ"}],
)
@given(data=st.data())
@PROPERTY
def test_activity_list_filters_take_hostile_parameters(client, staff, programme, params, data):
    from .hostile import value

    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    names = ["q", "agreement", "initiative", "status", "responsible", "rating", "overdue"]
    query = data.draw(st.dictionaries(st.sampled_from([*names, "archived", "page"]), value))
    response = client.get(reverse("agreement:activity-list"), {**params, **query})
    assert response.status_code in (200, 404)
