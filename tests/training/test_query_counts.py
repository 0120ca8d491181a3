"""The lists and the coverage page run a fixed number of queries, whatever the data size."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import District
from tests.factories import (
    AttendanceFactory,
    CourseFactory,
    EnterpriseParticipationFactory,
    TrainingOfficerFactory,
)

pytestmark = pytest.mark.django_db

# Session, user, the page's own queries (count + rows, or the one coverage aggregate), the
# filter's commune and district choices and, for an officer, the two permission lookups of the
# model backend (once a request): a budget that must not grow with the data.
MAX_QUERIES = 9
SERIAL = itertools.count()


def grow(n: int) -> None:
    # Officer A's district (006) first, so their own lists are not empty at the small size.
    districts = sorted(District.objects.order_by("code")[:10], key=lambda d: d.code != "006")
    for i in range(n):
        district = districts[i % len(districts)]
        course = CourseFactory(start_date=dt.date(2020 + i % 5, 1 + i % 12, 1), district=district if i % 2 else None)
        for _j in range(2):
            officer = TrainingOfficerFactory(district=district, tenure_end=dt.date(2030, 1, 1) if i % 3 else None)
            AttendanceFactory(officer=officer, course=course, certificate_number=f"Q-{next(SERIAL)}")
        EnterpriseParticipationFactory(course__district=district)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        reverse("training:officers"),
        reverse("training:officers") + "?status=in_post&trained=yes",
        reverse("training:courses"),
        reverse("training:courses") + "?kind=officer",
        reverse("training:coverage"),
        reverse("training:coverage") + "?sort=-last_training",
        reverse("training:coverage_export"),
    ],
)
@pytest.mark.parametrize("user", ["doit_user", "officer_a"])
def test_list_queries_do_not_grow(request, login, django_assert_max_num_queries, url, user):
    client = login(request.getfixturevalue(user))
    grow(3)
    small = queries(client, url)
    grow(20)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = queries(client, url)
    assert large == small


def test_detail_pages_queries_do_not_grow(login, doit_user, district_a):
    client = login(doit_user)
    course = CourseFactory(district=district_a, kind="workshop")
    officer = TrainingOfficerFactory(district=district_a)

    def add(n):
        for i in range(n):
            AttendanceFactory(course=course, officer=TrainingOfficerFactory(district=district_a), passed=False)
            AttendanceFactory(officer=officer, course=CourseFactory(start_date=dt.date(2020, 1, 1 + i)))
            EnterpriseParticipationFactory(course=course)

    add(2)
    small_course = queries(client, course.get_absolute_url())
    small_officer = queries(client, officer.get_absolute_url())
    add(15)
    assert queries(client, course.get_absolute_url()) == small_course
    assert queries(client, officer.get_absolute_url()) == small_officer
