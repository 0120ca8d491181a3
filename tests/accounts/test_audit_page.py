"""The audit page: DOIT (and administrators) see who changed what, when, filtered and paginated,
in a fixed number of queries; everyone else is refused."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from simple_history.models import HistoricalRecords

from accounts.audit import SOURCES
from assessments.models import Evidence, OptionExpectedSaving, ResourceFactor
from enterprises.models import Contact, Enterprise
from guidance.models import Document
from notifications.models import Notification
from programme.models import SINGLETON_PK, ProgrammeSettings
from reporting.models import Indicator, IndicatorValue, ReportEdition
from tests.factories import (
    ActionPlanFactory,
    AttendanceFactory,
    BaselineConsumptionFactory,
    CourseFactory,
    CPOptionFactory,
    EnterpriseFactory,
    EnterpriseParticipationFactory,
    OfficerFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    TargetFactory,
    UserFactory,
    resource,
)

pytestmark = pytest.mark.django_db

AUDIT = reverse("accounts:audit")
EXPORT = reverse("accounts:audit_export")
SERIAL = itertools.count()


@contextmanager
def acting(user):
    """What HistoryRequestMiddleware does for a request signed in as ``user``."""
    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        del HistoricalRecords.context.request


def rows(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<tr data-testid="audit-row">(.*?)</tr>', html, flags=re.S)


def change_everything(user, *, year: int = 2022) -> dict:
    """One object of every audited kind created, then changed, by ``user``: the newest
    records are one change of each kind."""
    n = next(SERIAL)
    with acting(user):
        enterprise = EnterpriseFactory()
        option = CPOptionFactory(assessment__enterprise=enterprise, assessment__year=year)
        assessment = option.assessment
        baseline = BaselineConsumptionFactory(assessment=assessment)
        expected = OptionExpectedSaving.objects.create(option=option, resource=resource("electricity"), quantity=10)
        report = SavingsReportFactory(enterprise=enterprise, year=year)
        line = SavingsLineFactory(report=report)
        evidence = Evidence.objects.create(
            report=report,
            file=f"evidence/{report.pk}/x.pdf",
            original_name="a.pdf",
            content_type="application/pdf",
            size=9,
        )
        factor = ResourceFactor.objects.create(
            resource=resource("water"), valid_from_year=2050 + n, toe_per_unit=Decimal("0.5"), source="Thử"
        )
        attendance = AttendanceFactory(certificate_number=f"C-{n}")
        officer, course = attendance.officer, attendance.course
        participation = EnterpriseParticipationFactory(enterprise=enterprise)
        target = TargetFactory(plan=ActionPlanFactory())
        plan = target.plan
        indicator = Indicator.objects.create(
            code=f"audited_{n}", name_vi="Chỉ số thử", name_en="Test indicator", measure="entered_number"
        )
        entered = IndicatorValue.objects.create(indicator=indicator, year=year, value=1, source="Thử")
        edition = ReportEdition.objects.create(
            year=1990 + n,
            addressees="Bộ Công Thương",
            recipients="Như trên",
            signer_title="GIÁM ĐỐC",
            results="a",
            difficulties="b",
            recommendations="c",
            next_tasks="d",
            created_by=user,
        )
        account = OfficerFactory(username=f"audited.{n}")
        notification = Notification.objects.create(recipient=account, event="report_ready", url="/reports/")
        contact = Contact.objects.create(
            enterprise=enterprise, role=Contact.Role.CP_LEAD, full_name="Nguyễn Văn A", held_from=dt.date(2024, 1, 1)
        )
        programme, _created = ProgrammeSettings.objects.get_or_create(pk=SINGLETON_PK)
        document = Document.objects.create(
            title="Tài liệu thử", kind=Document.Kind.GUIDE, issuer="Sở Công Thương", url="https://example.org/a"
        )
        changes = [
            (enterprise, "is_designated_energy_user", True),
            (assessment, "notes", "đã sửa"),
            (baseline, "quantity", Decimal("123.5")),
            (option, "description", "Mô tả mới"),
            (expected, "quantity", Decimal("20")),
            (report, "notes", "ghi chú"),
            (line, "quantity", Decimal("42")),
            (evidence, "original_name", "b.pdf"),
            (factor, "source", "Nguồn mới"),
            (officer, "position", "Trưởng phòng"),
            (course, "hours", Decimal("16")),
            (attendance, "certificate_number", f"D-{n}"),
            (participation, "attendees", 5),
            (plan, "title", "Tên mới"),
            (target, "value", Decimal("60")),
            (indicator, "name_vi", "Chỉ số đã sửa"),
            (entered, "source", "Nguồn mới"),
            (edition, "results", "Đã sửa"),
            (account, "full_name", "Tên Đã Đổi"),
            (notification, "email_status", "skipped"),
            (contact, "phone", "0912345678"),
            (programme, "aware_workshops", not programme.aware_workshops),
            (document, "title", "Tài liệu đã sửa"),
        ]
        for obj, name, value in changes:
            setattr(obj, name, value)
            obj.save()
    return {type(obj).__name__: obj for obj, _name, _value in changes}


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin.test", role="", is_superuser=True, is_staff=True)


# --------------------------------------------------------------------------- permission


@pytest.mark.parametrize("url", [AUDIT, EXPORT])
def test_doit_and_administrators_open_the_audit(login, doit_user, superuser, url):
    assert login(doit_user).get(url).status_code == 200
    assert login(superuser).get(url).status_code == 200


@pytest.mark.parametrize("url", [AUDIT, EXPORT])
@pytest.mark.parametrize("who", ["officer_a", "staff_x"])
def test_officers_and_enterprise_staff_are_refused_the_audit(request, login, who, url):
    assert login(request.getfixturevalue(who)).get(url).status_code == 403


def test_a_deactivated_doit_account_is_refused(login, doit_user):
    client = login(doit_user)
    doit_user.is_active = False
    doit_user.save()
    assert client.get(AUDIT).status_code in (302, 403)


@pytest.mark.parametrize("url", [AUDIT, EXPORT])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_audit_is_read_only(login, doit_user):
    assert login(doit_user).post(AUDIT).status_code == 405


def test_navigation_offers_the_audit_to_doit_only(login, doit_user, officer_a, staff_x):
    assert f'href="{AUDIT}"' in login(doit_user).get("/").content.decode()
    for user in (officer_a, staff_x):
        assert f'href="{AUDIT}"' not in login(user).get("/").content.decode()


# --------------------------------------------------------------------------- content


def test_a_change_shows_time_user_action_type_object_link_and_field_diff(
    login, doit_user, officer_a, enterprise_x, district_a, district_b
):
    with acting(officer_a):
        enterprise_x.employees = 321
        enterprise_x.save()
    with acting(doit_user):
        enterprise_x.district = district_b
        enterprise_x.save()
    page = login(doit_user, language="en").get(AUDIT)
    entries = page.context["page"].object_list
    newest, older = entries[0], entries[1]
    assert (newest.user, newest.action, newest.type_label, newest.object_label) == (
        doit_user,
        "~",
        "Enterprise",
        enterprise_x.name,
    )
    assert [(c.label, c.old, c.new) for c in newest.changes] == [("Former district", district_a.name, district_b.name)]
    assert [(c.label, c.old, c.new) for c in older.changes] == [("Employees", "50", "321")]
    assert older.user == officer_a
    assert newest.url == enterprise_x.get_absolute_url()
    html = rows(page)[0]
    assert f'href="{enterprise_x.get_absolute_url()}"' in html
    assert "Changed" in html and district_b.name in html and district_a.name in html
    assert timezone.localtime(newest.date).strftime("%H:%M %d/%m/%Y") in html


def test_every_kind_links_to_the_page_that_shows_it(login, doit_user):
    objs = change_everything(doit_user)
    entries = login(doit_user).get(AUDIT).context["page"].object_list
    by_kind = {entry.source.key: entry for entry in entries if entry.action == "~"}
    assert set(by_kind) == {source.key for source in SOURCES}
    assessment_url = reverse("assessments:detail", args=[objs["Assessment"].pk])
    report_url = reverse("savings:detail", args=[objs["SavingsReport"].pk])
    course_url = reverse("training:course_detail", args=[objs["Course"].pk])
    plan_url = reverse("reporting:plan_edit", args=[objs["ActionPlan"].pk])
    assert {key: entry.url for key, entry in by_kind.items()} == {
        "enterprise": objs["Enterprise"].get_absolute_url(),
        "assessment": assessment_url,
        "baseline": assessment_url,
        "option": assessment_url,
        "expected_saving": assessment_url,
        "savings_report": report_url,
        "savings_line": report_url,
        "evidence": report_url,
        "factor": reverse("assessments:factors"),
        "officer": reverse("training:officer_detail", args=[objs["Officer"].pk]),
        "course": course_url,
        "attendance": course_url,
        "participation": reverse("training:course_detail", args=[objs["EnterpriseParticipation"].course_id]),
        "action_plan": plan_url,
        "target": plan_url,
        "indicator": reverse("reporting:indicator_edit", args=[objs["Indicator"].pk]),
        "indicator_value": reverse("reporting:indicator_edit", args=[objs["Indicator"].pk]),
        "report_edition": reverse("reporting:edition", args=[objs["ReportEdition"].pk]),
        "user": reverse("accounts:user_edit", args=[objs["User"].pk]),
        "notification": "",  # a user's own notification: recorded, not opened by others
        "contact": objs["Enterprise"].get_absolute_url(),
        "programme_settings": reverse("programme:settings"),
        "library_document": reverse("guidance:document", args=[objs["Document"].pk]),
    }
    assert all(len(entry.changes) == 1 for entry in by_kind.values())
    assert [(c.old, c.new) for c in by_kind["baseline"].changes] == [("100.000", "123,5")]  # Vietnamese format
    assert [(c.old, c.new) for c in by_kind["enterprise"].changes] == [("Không", "Có")]
    assert [c.new for c in by_kind["attendance"].changes] == [objs["Attendance"].certificate_number]


def test_deleted_objects_and_accounts_doit_cannot_manage_are_not_linked(login, doit_user, enterprise_x):
    other_doit = UserFactory(username="doit.khac")
    with acting(doit_user):
        course = CourseFactory(title="Khoá đã xoá")
        course.delete()
        other_doit.full_name = "Đổi tên"
        other_doit.save()
        enterprise_x.name = "Tên mới"
        enterprise_x.save()
    entries = login(doit_user).get(AUDIT).context["page"].object_list
    deleted = next(e for e in entries if e.source.key == "course" and e.action == "-")
    assert deleted.object_label == "Khoá đã xoá" and deleted.url == ""
    renamed = next(e for e in entries if e.source.key == "user" and e.object_id == other_doit.pk)
    assert renamed.url == ""  # DOIT accounts are not managed in the portal
    assert next(e for e in entries if e.source.key == "enterprise").url == enterprise_x.get_absolute_url()


def test_user_text_is_escaped_in_labels_and_diffs(login, doit_user, enterprise_x):
    script = "<script>alert('x')</script>"
    attribute = '"><img src=x onerror=alert(1)>'
    with acting(doit_user):
        enterprise_x.name = script
        enterprise_x.save()
        enterprise_x.name = attribute
        enterprise_x.save()
    html = login(doit_user).get(AUDIT).content.decode()
    assert script not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_password_change_is_shown_without_any_value(login, doit_user, officer_a):
    with acting(officer_a):
        officer_a.set_password("Mot-mat-khau-moi-2026")
        officer_a.save()
    page = login(doit_user, language="en").get(AUDIT)
    entry = page.context["page"].object_list[0]
    assert (entry.user, entry.source.key, entry.reason, entry.changes) == (officer_a, "user", "Password changed", [])
    assert officer_a.password not in page.content.decode()


# --------------------------------------------------------------------------- filters and pages


def test_filter_by_user(login, doit_user, officer_a, officer_b, enterprise_x, enterprise_y):
    with acting(officer_a):
        enterprise_x.employees = 11
        enterprise_x.save()
    with acting(officer_b):
        enterprise_y.employees = 22
        enterprise_y.save()
    client = login(doit_user)
    for query, expected in [
        (officer_a.username, {officer_a}),
        (officer_b.username.upper(), {officer_b}),  # any case
        (officer_b.email, {officer_b}),
        ("Văn", {officer_a, officer_b}),  # part of the full names "Trần Văn A" and "Lê Văn B"
        ("nobody.at.all", set()),
    ]:
        entries = client.get(AUDIT, {"user": query}).context["page"].object_list
        assert {e.user for e in entries} == expected, query
    # a partial username is not a match (so "officer.a" never finds "officer.ab")
    assert client.get(AUDIT, {"user": "officer"}).context["page"].object_list == []


def test_filter_by_object_type(login, doit_user, enterprise_x):
    change_everything(doit_user)
    client = login(doit_user)
    for source in SOURCES:
        entries = client.get(AUDIT, {"kind": source.key}).context["page"].object_list
        assert entries and {e.source.key for e in entries} == {source.key}
    response = client.get(AUDIT, {"kind": "password"})  # not a choice: an error, and no filter
    assert "kind" in response.context["form"].errors


def test_filter_by_date_range_typed_dd_mm_yyyy(login, doit_user, enterprise_x):
    history = Enterprise.history.model
    with acting(doit_user):
        for day in (1, 2, 3):
            enterprise_x.employees = day
            enterprise_x.save()
            latest = history.objects.order_by("-history_id").first()
            # 23:30 local time: the same calendar day in Hanoi, the previous/same day in UTC
            latest.history_date = timezone.make_aware(dt.datetime(2025, 3, day, 23, 30))
            latest.save()
    history.objects.filter(history_type="+").update(history_date=timezone.make_aware(dt.datetime(2024, 1, 1)))
    client = login(doit_user)

    def employees(**params):
        return sorted(
            int(e.changes[0].new) if e.changes else None
            # of the enterprise only: reference data loaded for the test (factors, library) is newer
            for e in client.get(AUDIT, {"kind": "enterprise", **params}).context["page"].object_list
            if e.action == "~"
        )

    assert employees(date_from="02/03/2025") == [2, 3]
    assert employees(date_to="02/03/2025") == [1, 2]
    assert employees(date_from="02/03/2025", date_to="02/03/2025") == [2]
    assert employees(date_from="2025-03-03") == [3]  # ISO is accepted too
    response = client.get(AUDIT, {"date_from": "31/02/2025"})
    assert "date_from" in response.context["form"].errors
    response = client.get(AUDIT, {"date_from": "03/03/2025", "date_to": "01/03/2025"})
    assert "date_to" in response.context["form"].errors
    html = client.get(AUDIT, {"date_from": "02/03/2025"}).content.decode()
    assert 'value="02/03/2025"' in html  # the typed date is kept as typed


def test_pages_of_25_newest_first_across_kinds(login, doit_user, enterprise_x):
    with acting(doit_user):
        for i in range(20):
            enterprise_x.employees = 100 + i
            enterprise_x.save()
        course = CourseFactory()
        for i in range(9):
            course.hours = 10 + i
            course.save()
    # DOIT's records: 20 enterprise changes, the course's creation and 9 changes
    client = login(doit_user)
    page = client.get(AUDIT, {"user": doit_user.username}).context["page"]
    assert page.paginator.count == 30 == Enterprise.history.filter(history_user=doit_user).count() + 10
    assert len(page.object_list) == 25
    dates = [e.date for e in page.object_list]
    assert dates == sorted(dates, reverse=True)
    assert [e.source.key for e in page.object_list[:10]] == ["course"] * 10
    second = client.get(AUDIT, {"user": doit_user.username, "page": 2}).context["page"]
    assert len(second.object_list) == 5
    oldest = second.object_list[-1]  # the first change of the enterprise
    assert (oldest.source.key, oldest.action, [c.new for c in oldest.changes]) == ("enterprise", "~", ["100"])
    seen = [(e.source.key, e.date, e.object_id) for e in [*page.object_list, *second.object_list]]
    assert len(set(seen)) == len(seen)


def test_the_filter_is_kept_in_page_links(login, doit_user, enterprise_x):
    with acting(doit_user):
        for i in range(30):
            enterprise_x.employees = i
            enterprise_x.save()
    html = login(doit_user).get(AUDIT, {"kind": "enterprise", "user": doit_user.username}).content.decode()
    assert f"?kind=enterprise&amp;user={doit_user.username}&amp;page=2" in html


# --------------------------------------------------------------------------- queries


@pytest.mark.parametrize("params", [{}, {"user": "doit.test"}, {"date_from": "01/01/2000"}])
def test_queries_do_not_grow_with_the_number_of_changes(login, doit_user, params):
    client = login(doit_user)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(AUDIT, params)
        assert response.status_code == 200
        assert {e.source.key for e in response.context["page"].object_list} == {s.key for s in SOURCES}
        return len(ctx.captured_queries)

    change_everything(doit_user)
    small = count()
    for _ in range(4):
        change_everything(doit_user)
    large = count()
    assert small == large
    # session, user, second factor, count, page, one per kind on the page, per related model, per linked model
    assert large <= 6 + 2 * len(SOURCES) + 10


def test_export_queries_do_not_grow_per_row(login, doit_user):
    client = login(doit_user)
    change_everything(doit_user)
    with CaptureQueriesContext(connection) as small:
        client.get(EXPORT)
    for _ in range(4):
        change_everything(doit_user)
    with CaptureQueriesContext(connection) as large:
        client.get(EXPORT)
    assert len(large.captured_queries) == len(small.captured_queries)


# --------------------------------------------------------------------------- export


def test_export_is_the_filtered_audit_with_formulas_neutralised(login, doit_user, officer_a, enterprise_x):
    formula = '=HYPERLINK("http://evil.example","bấm")'
    with acting(officer_a):
        enterprise_x.name = formula
        enterprise_x.save()
    with acting(doit_user):
        CourseFactory(title="Không liên quan")
    response = login(doit_user, language="en").get(EXPORT, {"user": officer_a.username})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["Time", "User", "Action", "Object type", "ID", "Object", "Changes", "Note"]
    assert len(values) == 2  # only officer A's change
    when, who, action, kind, pk, label, changes, note = values[1]
    assert isinstance(when, dt.datetime) and who == "officer.a (Trần Văn A)"
    assert (action, kind, pk, label) == ("Changed", "Enterprise", enterprise_x.pk, formula)
    assert changes == f"Name: Công ty Cổ phần Bia Đống Đa → {formula}"
    label_cell = ws.cell(row=2, column=6)
    assert label_cell.data_type == "s" and label_cell.quotePrefix


def test_the_count_is_bounded_and_says_so(login, doit_user, enterprise_x, monkeypatch):
    monkeypatch.setattr("accounts.audit.COUNT_LIMIT", 5)
    with acting(doit_user):
        for i in range(8):
            enterprise_x.employees = i
            enterprise_x.save()
    client = login(doit_user, language="en")
    response = client.get(AUDIT, {"user": doit_user.username})
    page = response.context["page"]
    assert (page.paginator.count, page.paginator.capped, page.paginator.num_pages) == (5, True, 1)
    assert "More than 5 changes" in response.content.decode()
    narrowed = client.get(AUDIT, {"user": doit_user.username, "kind": "course"}).context["page"]
    assert (narrowed.paginator.count, narrowed.paginator.capped) == (0, False)
