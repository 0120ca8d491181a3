"""A double-clicked form has one effect and one truthful message: the page's form token makes the
second submission wait for the first and answer as it did. Imports confirmed at the same instant
never answer 500: the losing transaction is run again (bounded) and ends with a clear message.
Both run truly in parallel (threads, each with its own PostgreSQL connection)."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import FormSubmission
from assessments.models import Assessment
from enterprises.models import Enterprise, ImportJob
from tests.enterprises.test_import import row, upload, xlsx_bytes
from tests.factories import AssessmentFactory, OfficerFactory, next_tax_code

from .conftest import page_form
from .test_one_job_per_request import in_parallel


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_every_post_form_carries_a_fresh_form_token(login, doit_user):
    client = login(doit_user)
    first = client.get(reverse("reporting:list")).content.decode()
    second = client.get(reverse("reporting:list")).content.decode()
    tokens = re.findall(r'name="form_token" value="([0-9a-f]{32})"', first)
    assert tokens and not set(tokens) & set(re.findall(r'name="form_token" value="([0-9a-f]{32})"', second))


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_submit_submits_once_and_says_so_twice(officer_a, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, assessor=officer_a, status="draft")
    page = Client()
    page.force_login(officer_a)
    data = page_form(  # the form of the confirmation step, which posts the submission
        page.get(reverse("assessments:submit", args=[assessment.pk])).content.decode(),
        action=reverse("assessments:submit", args=[assessment.pk]),
    )
    assert re.fullmatch(r"[0-9a-f]{32}", data["form_token"])

    def click(_i):
        client = Client(raise_request_exception=False)
        client.force_login(officer_a)
        response = client.post(reverse("assessments:submit", args=[assessment.pk]), data)
        return response.status_code, response.get("Location"), said(response)

    first, second = in_parallel(2, click)
    assert first[:2] == second[:2] and first[0] == 302  # the same answer, no error page
    assert first[2] == second[2] and len(first[2]) == 1  # one message, the same, truthful one
    assert "Đã gửi" in first[2][0] or "submitted" in first[2][0].lower()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED and assessment.version == 2  # moved once
    assert assessment.review_events.count() == 1
    assert FormSubmission.objects.filter(user=officer_a, token=data["form_token"], finished=True).count() == 1


@pytest.mark.django_db
def test_a_refused_form_frees_its_token(login, doit_user):
    client = login(doit_user)
    data = page_form(client.get(reverse("reporting:list")).content.decode())
    data["year"] = "1990"
    assert client.post(reverse("reporting:list"), data).status_code == 200  # shown again with its error
    assert not FormSubmission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_new_tax_codes_at_once_never_answer_500(login, officer_a, district_a):
    colleague = OfficerFactory(username="officer.a.two", district=district_a)
    rows = [row(tax_code=next_tax_code(), name=f"Công ty TNHH Song Song {i}") for i in range(400)]
    clients = []
    for user, data in zip([officer_a, colleague], [xlsx_bytes(rows), xlsx_bytes(rows[::-1])], strict=True):
        client = login(user)
        client.raise_request_exception = False
        preview = client.post(reverse("enterprises:import"), {"file": upload(data)})
        assert preview.status_code == 302
        job = ImportJob.objects.filter(requester=user).latest("pk")
        assert job.previewed
        clients.append((client, job))

    def confirm(i):
        client, job = clients[i]
        return client.post(reverse("enterprises:import_confirm", args=[job.pk])).status_code

    results = in_parallel(2, confirm)
    assert results == [302, 302]  # no 5xx
    assert Enterprise.objects.filter(tax_code__in=[r["tax_code"] for r in rows]).count() == 400  # no duplicate
    jobs = ImportJob.objects.filter(pk__in=[job.pk for _client, job in clients])
    assert sorted(job.result.get("created", 0) for job in jobs) == [0, 400]  # one created them
    # The other, run again, found them there (or, after its last attempt, says nothing was imported).
    other = next(job for job in jobs if job.result.get("created") != 400)
    assert other.result == {"created": 0, "updated": 0, "unchanged": 400} or other.error.startswith("Một lần nhập khác")
