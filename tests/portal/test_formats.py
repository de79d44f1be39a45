import datetime

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation


class Sample(forms.Form):
    day = forms.DateField()
    amount = forms.DecimalField(localize=True, decimal_places=2)


def test_swedish_date_input_accepts_iso_and_refuses_us_order():
    with translation.override("sv"):
        assert Sample({"day": "2026-03-05", "amount": "1"}).is_valid()
        form = Sample({"day": "5/3/2026", "amount": "1"})
        assert not form.is_valid() and "day" in form.errors


def test_swedish_decimal_comma_and_grouping_parse():
    with translation.override("sv"):
        form = Sample({"day": "2026-03-05", "amount": "1\xa0234,50"})
        assert form.is_valid(), form.errors
        assert str(form.cleaned_data["amount"]) == "1234.50"


def test_amount_and_date_display_the_swedish_way():
    with translation.override("sv"):
        html = Template('{% load portal %}{{ a|kr }} {{ d|date:"DATE_FORMAT" }}').render(
            Context({"a": 5000000, "d": datetime.date(2020, 11, 13)})
        )
    assert html == "5\xa0000\xa0000\xa0kr 13 november 2020"


def test_a_column_of_an_unknown_kind_is_refused():
    from portal.spreadsheets import Column

    with pytest.raises(ValueError, match="unknown column kind 'amout'"):
        Column("Belopp", "amout")
