"""The CP-option form: grouped under legends, every input with its own label, and units written
beside the inputs (VND, VND per year, the resource's unit per year) instead of run into labels."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation

from assessments.models import OptionExpectedSaving, ResourceType
from tests.factories import AssessmentFactory, CPOptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def option_page(login, officer_a, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x)
    option = CPOptionFactory(assessment=assessment)
    OptionExpectedSaving.objects.create(
        option=option, resource=ResourceType.objects.get(code="electricity"), quantity=Decimal("12000")
    )
    response = login(officer_a).get(f"/assessments/{assessment.pk}/edit/")
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('data-testid="option-form"')
    return page[
        start : page.index('data-testid="option-form"', start + 1)
        if page.count('data-testid="option-form"') > 1
        else len(page)
    ]


def test_option_form_groups_its_fields_under_legends(option_page):
    legends = [" ".join(m.split()) for m in re.findall(r"<legend[^>]*>(.*?)</legend>", option_page, flags=re.DOTALL)]
    with translation.override("vi"):
        expected = [
            translation.gettext("Option %(number)s") % {"number": 1},  # the option's own group
            translation.gettext("The option"),
            translation.gettext("Investment and expected savings in money"),
            translation.gettext("Expected yearly savings by resource"),
            translation.gettext("Feasibility"),
        ]
    assert legends[:5] == expected


def test_every_option_input_has_its_own_label(option_page):
    ids = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', option_page)
    assert ids
    labels = re.findall(r'<label\b[^>]*\bfor="([^"]+)"[^>]*>(.*?)</label>', option_page, flags=re.DOTALL)
    by_for = {}
    for target, text in labels:
        by_for.setdefault(target, []).append(" ".join(re.sub(r"<[^>]+>", " ", text).split()))
    for field_id in ids:
        assert len(by_for.get(field_id, [])) == 1, field_id
    texts = [texts[0] for texts in by_for.values()]
    assert len(texts) == len(set(texts)), "two inputs share one label"


def test_units_stand_beside_the_inputs_not_in_the_labels(option_page):
    with translation.override("vi"):
        per_year = translation.gettext("per year")
        vnd_per_year = translation.gettext("VND per year")
    addons = [" ".join(a.split()) for a in re.findall(r'<span class="input-group-text"[^>]*>(.*?)</span>', option_page)]
    assert addons[:2] == ["VND", vnd_per_year]
    # The expected saving of electricity shows its unit next to the quantity; empty slots say "per year".
    assert addons[2:] == [f"kWh {per_year}", per_year, per_year]
    labels = " ".join(re.findall(r"<label\b[^>]*>(.*?)</label>", option_page, flags=re.DOTALL))
    assert "(VND" not in labels
    # The resource choices carry their unit for the script that updates the suffix.
    assert 'data-unit="kWh"' in option_page
