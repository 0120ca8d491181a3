"""DOIT's programme settings page: edited by DOIT only, every change kept in the history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from programme.models import ProgrammeSettings
from programme.selectors import current_settings

pytestmark = pytest.mark.django_db

URL = "/settings/"
VALID = {
    "aware_awareness_courses": "on",
    "aware_workshops": "on",
    "evidence_required": "on",
    "evidence_min_files": "2",
    "evidence_toe_threshold": "25,5",
}


def test_defaults_apply_before_anything_is_saved():
    current = current_settings()
    assert ProgrammeSettings.objects.count() == 0
    assert current.aware_awareness_courses and current.aware_workshops
    assert current.evidence_required and current.evidence_min_files == 1
    assert current.evidence_toe_threshold == Decimal("10")


def test_doit_saves_the_settings_and_the_history_shows_who_changed_what(login, doit_user):
    client = login(doit_user)
    assert reverse("programme:settings") == URL
    page = client.get(URL)
    assert page.status_code == 200
    assert "Cài đặt chương trình" in page.content.decode()
    response = client.post(URL, VALID)
    assert response.status_code == 302
    saved = ProgrammeSettings.objects.get()
    assert saved.evidence_min_files == 2 and saved.evidence_toe_threshold == Decimal("25.5")
    assert saved.updated_by == doit_user
    client.post(URL, {**VALID, "aware_workshops": ""})
    page = client.get(URL).content.decode()
    history = page.split('id="history"')[1]
    assert doit_user.get_full_name() in history
    assert "tính hội thảo kỹ thuật là nhận thức" in history  # the field changed, by its label
    assert ProgrammeSettings.history.count() == 2
    assert ProgrammeSettings.history.first().history_user == doit_user


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"aware_awareness_courses": "", "aware_workshops": ""}, "Phải có ít nhất một loại khóa học"),
        ({"evidence_toe_threshold": "-1"}, "lớn hơn hoặc bằng với 0"),
        ({"evidence_toe_threshold": "mười"}, "Nhập một số"),
        ({"evidence_min_files": "0"}, "lớn hơn hoặc bằng với 1"),
        ({"evidence_min_files": "21"}, "nhỏ hơn hoặc bằng với 20"),
    ],
)
def test_bad_input_is_refused_with_a_vietnamese_message(login, doit_user, data, message):
    response = login(doit_user).post(URL, {**VALID, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ProgrammeSettings.objects.count() == 0


def test_only_doit_may_open_or_change_the_settings(login, officer_a, staff_x):
    for user in (officer_a, staff_x):
        client = login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, VALID).status_code == 403
    assert ProgrammeSettings.objects.count() == 0


def test_the_navigation_shows_the_page_to_doit_only(login, doit_user, officer_a):
    assert URL in login(doit_user).get("/").content.decode()
    assert URL not in login(officer_a).get("/").content.decode()
