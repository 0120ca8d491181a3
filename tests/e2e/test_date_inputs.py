"""Dates are entered as dd/mm/yyyy whatever the browser's language: in an en-US browser (whose own
date picker shows mm/dd/yyyy) date fields are text fields with a dd/mm/yyyy calendar beside them,
and the server reads dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from training.models import Course

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server, settings):
    """A browser whose language is American English (mm/dd/yyyy in its own date pickers)."""
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(locale="en-US", base_url=live_server.url, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_a_course_typed_day_first_in_an_english_browser_is_saved_day_first(sign_in, doit_user, district_a):
    page = sign_in(doit_user)
    page.goto("/training/courses/new/")
    start = page.locator("input[name=start_date]")
    assert start.get_attribute("type") == "text"  # not the browser's mm/dd/yyyy picker
    assert page.locator("input[type=date]").count() == 0
    assert start.get_attribute("placeholder") in {"dd/mm/yyyy", "nn/tt/nnnn"}
    page.fill("input[name=title]", "Tập huấn sản xuất sạch hơn")
    page.select_option("select[name=kind]", "officer")
    page.fill("input[name=start_date]", "31/02/2025")  # no such day: refused beside the field
    page.fill("input[name=end_date]", "11/06/2025")
    page.fill("input[name=hours]", "16")
    page.select_option("select[name=district]", str(district_a.pk))
    page.fill("input[name=organiser]", "Sở Công Thương Hà Nội")
    page.click("main form button[type=submit]")
    error = page.locator(".datepicker:has(input[name=start_date]) .invalid-feedback")
    error.wait_for()
    assert error.is_visible() and error.inner_text().strip()
    assert not Course.objects.exists()
    page.fill("input[name=start_date]", "10/06/2025")  # 10 June, read as 6 October in mm/dd
    page.click("main form button[type=submit]")
    page.wait_for_url("**/training/courses/*/")
    course = Course.objects.get()
    assert (course.start_date, course.end_date) == (dt.date(2025, 6, 10), dt.date(2025, 6, 11))
    # Shown back day first, in the form too.
    page.goto(f"/training/courses/{course.pk}/edit/")
    assert page.locator("input[name=start_date]").input_value() == "10/06/2025"


def test_the_calendar_writes_day_first_and_the_server_reads_it(sign_in, doit_user):
    page = sign_in(doit_user)
    page.goto("/training/coverage/")
    today = timezone.localdate()
    field = page.locator("input[name=as_of]")
    assert field.get_attribute("type") == "text"
    assert field.input_value() == f"{today:%d/%m/%Y}"
    page.click("[data-testid=datepicker-toggle]")
    page.click(".datepicker-panel [data-move='-1']")  # the month before
    first_of_this_month = today.replace(day=1)
    month_before = first_of_this_month - dt.timedelta(days=1)
    page.click(".datepicker-panel [data-day] >> text='13'")
    chosen = month_before.replace(day=13)
    assert field.input_value() == f"{chosen:%d/%m/%Y}"
    assert page.locator(".datepicker-panel").is_hidden()
    page.click("form.filter-bar button[type=submit]")
    page.wait_for_url(re.compile(r"as_of="))
    assert page.locator("input[name=as_of]").input_value() == f"{chosen:%d/%m/%Y}"
    assert f"{chosen:%d/%m/%Y}" in page.locator("main").inner_text()
