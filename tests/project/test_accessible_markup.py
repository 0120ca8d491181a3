"""Markup that assistive technology relies on: charts with their figures as a table, named by
what they show; tables with captions; one id per element; the reports page's two year fields
each with its own label."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def ids(html: str) -> Counter:
    return Counter(re.findall(r'\sid="([^"]+)"', html))


def test_officer_dashboard_chart_is_named_by_sector_and_has_its_figures(login, officer_a):
    html = login(officer_a).get(reverse("dashboard")).content.decode()
    assert 'aria-label="Mức tiết kiệm đã xác minh theo ngành (VND)"' in html
    assert 'theo quận/huyện (VND)"' not in html
    assert html.count('data-testid="chart-figures"') == 2
    assert "<summary>Số liệu của biểu đồ</summary>" in html


def test_city_dashboard_chart_is_named_by_district(login, doit_user):
    html = login(doit_user).get(reverse("dashboard")).content.decode()
    assert 'aria-label="Mức tiết kiệm đã xác minh theo quận/huyện (VND)"' in html


def test_every_table_has_a_caption(login, doit_user, enterprise_x):
    client = login(doit_user)
    for url in [
        reverse("dashboard"),
        reverse("enterprises:list"),
        reverse("reporting:list"),
        reverse("training:coverage"),
    ]:
        html = client.get(url).content.decode()
        assert html.count("<table") == html.count("<caption"), url


def test_reports_page_year_fields_have_their_own_ids(login, doit_user):
    html = login(doit_user).get(reverse("reporting:list")).content.decode()
    duplicated = [name for name, count in ids(html).items() if count > 1]
    assert not duplicated
    assert 'for="id_year"' in html and 'for="id_lock_year"' in html and 'for="id_filter_year"' in html


def test_repeated_lines_and_options_are_named_groups(login, officer_a, staff_x, enterprise_x):
    """Each savings line and each CP option is a group named with its number ("Dòng tiết kiệm 1",
    "Giải pháp 1"), so that a screen reader tells their identical field labels apart; the rows the
    "add" buttons clone carry a number placeholder that static/js/formset.js fills in."""
    html = login(staff_x).get(reverse("savings:create")).content.decode()
    assert '<legend class="visually-hidden">Dòng tiết kiệm 1</legend>' in html
    assert '<legend class="visually-hidden">Dòng tiết kiệm 2</legend>' in html
    assert '<legend class="visually-hidden">Dòng tiết kiệm __number__</legend>' in html
    html = login(officer_a).get(reverse("assessments:create") + f"?enterprise={enterprise_x.pk}").content.decode()
    assert '<legend class="visually-hidden">Giải pháp 1</legend>' in html
    assert '<legend class="visually-hidden">Giải pháp __number__</legend>' in html
