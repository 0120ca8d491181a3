"""Coverage status rules at each boundary (training/selectors.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import AttendanceFactory, CourseFactory, TrainingOfficerFactory
from training.selectors import (
    STALE_AFTER_YEARS,
    CoverageStatus,
    coverage_by_district,
    coverage_counts,
    stale_before,
)

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 6, 30)
RECENT = dt.date(2025, 1, 15)
DAY = dt.timedelta(days=1)


def row_for(district, as_of=AS_OF):
    (row,) = coverage_by_district(as_of, district)
    return row


def trained(district, *, end=RECENT, tenure_end=None, kind="officer", passed=True, tenure_start=dt.date(2015, 1, 1)):
    officer = TrainingOfficerFactory(district=district, tenure_start=tenure_start, tenure_end=tenure_end)
    course = CourseFactory(kind=kind, start_date=end, end_date=end)
    AttendanceFactory(officer=officer, course=course, passed=passed)
    return officer


def test_district_without_officers_is_not_covered(district_a):
    row = row_for(district_a)
    assert (row.officers_in_post, row.trained_in_post, row.last_training) == (0, 0, None)
    assert row.status == CoverageStatus.NOT_COVERED


def test_two_trained_officers_in_post_cover_the_district(district_a):
    trained(district_a)
    trained(district_a, end=dt.date(2024, 5, 2))
    TrainingOfficerFactory(district=district_a)  # in post, untrained
    row = row_for(district_a)
    assert (row.officers_in_post, row.trained_in_post, row.last_training) == (3, 2, RECENT)
    assert row.status == CoverageStatus.COVERED


def test_one_trained_officer_only_is_at_risk(district_a):
    trained(district_a)
    TrainingOfficerFactory(district=district_a)
    row = row_for(district_a)
    assert (row.officers_in_post, row.trained_in_post) == (2, 1)
    assert row.status == CoverageStatus.AT_RISK


def test_officer_trained_twice_counts_once(district_a):
    officer = trained(district_a)
    AttendanceFactory(officer=officer, course=CourseFactory(start_date=dt.date(2023, 1, 1)))
    row = row_for(district_a)
    assert row.trained_in_post == 1
    assert row.status == CoverageStatus.AT_RISK


@pytest.mark.parametrize(
    ("tenure_end", "in_post"),
    [(AS_OF - DAY, False), (AS_OF, True), (AS_OF + DAY, True), (None, True)],
    ids=["ended-day-before", "ends-that-day", "ends-day-after", "open"],
)
def test_tenure_end_boundary(district_a, tenure_end, in_post):
    trained(district_a)
    trained(district_a, tenure_end=tenure_end)
    row = row_for(district_a)
    assert row.officers_in_post == (2 if in_post else 1)
    assert row.status == (CoverageStatus.COVERED if in_post else CoverageStatus.AT_RISK)


@pytest.mark.parametrize(
    ("tenure_start", "in_post"),
    [(AS_OF, True), (AS_OF + DAY, False)],
    ids=["starts-that-day", "starts-day-after"],
)
def test_tenure_start_boundary(district_a, tenure_start, in_post):
    trained(district_a)
    trained(district_a, tenure_start=tenure_start)
    row = row_for(district_a)
    assert row.trained_in_post == (2 if in_post else 1)


def test_training_exactly_three_years_old_still_covers(district_a):
    cutoff = stale_before(AS_OF)
    assert cutoff == dt.date(2022, 6, 30) and STALE_AFTER_YEARS == 3
    trained(district_a, end=cutoff)
    trained(district_a, end=cutoff)
    row = row_for(district_a)
    assert row.last_training == cutoff
    assert row.status == CoverageStatus.COVERED


def test_training_three_years_and_one_day_old_is_at_risk(district_a):
    old = stale_before(AS_OF) - DAY
    trained(district_a, end=old)
    trained(district_a, end=old)
    row = row_for(district_a)
    assert row.trained_in_post == 2
    assert row.status == CoverageStatus.AT_RISK


def test_latest_training_decides_age(district_a):
    trained(district_a, end=dt.date(2019, 1, 1))
    trained(district_a, end=RECENT)
    assert row_for(district_a).status == CoverageStatus.COVERED


def test_leap_day_cutoff():
    assert stale_before(dt.date(2024, 2, 29)) == dt.date(2021, 2, 28)


def test_failed_attendance_does_not_count(district_a):
    trained(district_a)
    trained(district_a, passed=False)
    row = row_for(district_a)
    assert row.trained_in_post == 1
    assert row.status == CoverageStatus.AT_RISK


@pytest.mark.parametrize("kind", ["awareness", "workshop"])
def test_other_course_kinds_do_not_count(district_a, kind):
    trained(district_a, kind=kind)
    trained(district_a, kind=kind)
    row = row_for(district_a)
    assert (row.trained_in_post, row.last_training) == (0, None)
    assert row.status == CoverageStatus.NOT_COVERED


def test_course_ending_after_the_date_does_not_count_yet(district_a):
    as_of = AS_OF - DAY  # the last days of the districts (they ended on 30/6/2025)
    trained(district_a)
    trained(district_a, end=AS_OF)
    assert row_for(district_a, as_of).trained_in_post == 1
    assert row_for(district_a, AS_OF).trained_in_post == 2


def test_trained_officer_who_left_does_not_count(district_a):
    trained(district_a, tenure_end=dt.date(2025, 3, 1))
    trained(district_a, tenure_end=dt.date(2025, 3, 1))
    TrainingOfficerFactory(district=district_a, tenure_start=dt.date(2025, 3, 2))
    row = row_for(district_a)
    assert (row.officers_in_post, row.trained_in_post) == (1, 0)
    assert row.status == CoverageStatus.NOT_COVERED
    # ...but on an earlier date it was covered.
    assert row_for(district_a, dt.date(2025, 2, 1)).status == CoverageStatus.COVERED


def test_other_districts_do_not_leak(district_a, district_b):
    trained(district_b)
    trained(district_b)
    assert row_for(district_a).status == CoverageStatus.NOT_COVERED
    assert row_for(district_b).status == CoverageStatus.COVERED


def test_district_argument_accepts_instance_pk_and_code(district_a):
    trained(district_a)
    for value in (district_a, district_a.pk, district_a.code):
        assert row_for(district_a).code == coverage_by_district(AS_OF, value)[0].code


def test_coverage_counts_cover_every_active_district(district_a, district_b):
    trained(district_a)
    trained(district_a)
    trained(district_b)
    counts = coverage_counts(AS_OF)
    assert (counts.covered, counts.at_risk) == (1, 1)
    assert counts.total == 30 and counts.not_covered == 28
    assert counts.as_dict() == {"covered": 1, "at_risk": 1, "not_covered": 28}


def test_coverage_is_one_query(django_assert_num_queries, district_a):
    trained(district_a)
    with django_assert_num_queries(1):
        coverage_by_district(AS_OF)
    with django_assert_num_queries(1):
        coverage_counts(AS_OF)


def test_sorting_by_status_puts_worst_first(district_a, district_b):
    trained(district_a)
    trained(district_a)
    trained(district_b)
    rows = coverage_by_district(AS_OF, sort="status")
    assert rows[0].status == CoverageStatus.NOT_COVERED
    assert rows[-2:][0].code == district_b.code and rows[-1].code == district_a.code
    rows = coverage_by_district(AS_OF, sort="-status")
    assert rows[0].code == district_a.code
    by_trained = coverage_by_district(AS_OF, sort="-trained")
    assert [r.trained_in_post for r in by_trained[:2]] == [2, 1]


def test_coverage_export_holds_the_page_figures(login, doit_user, district_a, district_b):
    import io

    import openpyxl
    from django.urls import reverse

    trained(district_a)
    trained(district_a, end=dt.date(2024, 11, 5))
    trained(district_b, end=dt.date(2021, 1, 4))
    TrainingOfficerFactory(district=district_b, tenure_end=dt.date(2025, 6, 29))  # left the day before
    response = login(doit_user).get(reverse("training:coverage_export"), {"as_of": "2025-06-30", "sort": "code"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="do-phu-dao-tao-20250630.xlsx"' in response["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 30
    code, name, in_post, n_trained, last, status, as_of = rows["006"]
    assert (name, in_post, n_trained, last.date(), status, as_of.date()) == (
        "Đống Đa",
        2,
        2,
        RECENT,
        "Covered",
        AS_OF,
    )
    assert rows["017"][2:6] == (1, 1, dt.datetime(2021, 1, 4), "At risk")
    assert rows["001"][2:6] == (0, 0, None, "Not covered")
    assert ws.freeze_panes == "A2"


def test_coverage_page_counts_and_sort_links(login, doit_user, district_a):
    from django.urls import reverse

    trained(district_a)
    trained(district_a)
    client = login(doit_user)
    response = client.get(reverse("training:coverage"), {"as_of": "30/06/2025", "sort": "-trained"})
    assert response.context["as_of"] == AS_OF
    counts = response.context["counts"]
    assert (counts.covered, counts.at_risk, counts.not_covered) == (1, 0, 29)
    assert response.context["rows"][0].code == "006"
    body = response.content.decode()
    assert 'data-testid="coverage-006"' in body and 'data-status="covered"' in body
    assert "sort=trained" in body  # clicking the sorted column again reverses it
    # An unknown sort key or date falls back to the defaults.
    response = client.get(reverse("training:coverage"), {"as_of": "nonsense", "sort": "password"})
    assert response.status_code == 200 and response.context["sort"] == "status"
