"""CP contacts and their handover (issue 16): recorded by the commune's officer, shown on the
enterprise page and in the export; the successor's account opens on a summary of the
enterprise, the departed person's account is closed and signed out."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from enterprises.models import Contact, Handover
from enterprises.services import contact_handover
from tests.accounts.test_accounts import set_password_link
from tests.factories import (
    AssessmentFactory,
    CPOptionFactory,
    DataCallFactory,
    EnterpriseStaffFactory,
    SavingsLineFactory,
    SavingsReportFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(enterprise_x, staff_x):
    return Contact.objects.create(
        enterprise=enterprise_x,
        role="cp_lead",
        full_name="Phạm Thị X",
        phone="0912 345 678",
        email="x@bia.vn",
        held_from=dt.date(2021, 3, 1),
        user=staff_x,
    )


@pytest.fixture
def successor_account(enterprise_x):
    return EnterpriseStaffFactory(username="staff.new", full_name="Đỗ Văn Mới", enterprise=enterprise_x)


def test_officer_adds_a_contact_shown_on_the_enterprise_page(login, officer_a, enterprise_x):
    client = login(officer_a)
    response = client.post(
        reverse("enterprises:contact_create", args=[enterprise_x.pk]),
        {"role": "energy_manager", "full_name": "Vũ Thị Năng", "phone": "024 3851 0000", "held_from": "01/02/2024"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.role, contact.held_from, contact.enterprise) == (
        "energy_manager",
        dt.date(2024, 2, 1),
        enterprise_x,
    )
    page = client.get(reverse("enterprises:detail", args=[enterprise_x.pk])).content.decode()
    assert "Vũ Thị Năng" in page and "Cán bộ quản lý năng lượng" in page and "01/02/2024" in page


def test_contact_form_errors_are_in_vietnamese(login, officer_a, enterprise_x):
    response = login(officer_a).post(reverse("enterprises:contact_create", args=[enterprise_x.pk]), {"phone": "0912"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Trường này là bắt buộc." in page
    assert not Contact.objects.exists()


def test_other_communes_officer_and_staff_cannot_record_contacts(login, officer_b, staff_x, enterprise_x, lead):
    assert login(officer_b).get(reverse("enterprises:contact_create", args=[enterprise_x.pk])).status_code == 404
    handover = reverse("enterprises:contact_handover", args=[enterprise_x.pk, lead.pk])
    assert login(officer_b).post(handover, {}).status_code == 404
    assert login(staff_x).post(handover, {}).status_code == 403


def test_handover_moves_the_summary_to_the_successor_and_closes_the_old_account(
    login, officer_a, enterprise_x, staff_x, lead, successor_account
):
    # The enterprise's record: an approved assessment with an implemented option, a verified
    # savings report, and a data call still waiting for this year's report.
    assessment = AssessmentFactory(enterprise=enterprise_x, year=2024, status="approved")
    CPOptionFactory(
        assessment=assessment,
        status="implemented",
        implemented_on=dt.date(2024, 6, 1),
        description="Thu hồi nhiệt nồi hơi",
    )
    report = SavingsReportFactory(enterprise=enterprise_x, year=2024, period="Y", status="verified")
    SavingsLineFactory(report=report, vnd_saved=123_456_000)
    DataCallFactory(scope="implemented", year=2025, due_date=timezone.localdate() + dt.timedelta(days=10))

    departing = login(staff_x)
    assert departing.get(reverse("dashboard")).status_code == 200
    assert Session.objects.count() >= 1

    today = timezone.localdate()
    response = login(officer_a).post(
        reverse("enterprises:contact_handover", args=[enterprise_x.pk, lead.pk]),
        {
            "on": today.strftime("%d/%m/%Y"),
            "full_name": "Đỗ Văn Mới",
            "phone": "0987 000 111",
            "successor_account": successor_account.pk,
        },
    )
    assert response.status_code == 302

    # The departed contact's term ended; the successor holds the same role from that day.
    lead.refresh_from_db()
    assert lead.held_until == today
    successor = Contact.objects.get(full_name="Đỗ Văn Mới")
    assert (successor.role, successor.held_from, successor.user) == ("cp_lead", today, successor_account)
    # The old account is closed and signed out.
    staff_x.refresh_from_db()
    assert not staff_x.is_active and not staff_x.has_usable_password()
    assert not any(str(s.get_decoded().get("_auth_user_id")) == str(staff_x.pk) for s in Session.objects.all())
    assert departing.get(reverse("dashboard")).status_code == 302  # to the login page
    handover = Handover.objects.get()
    assert handover.closed_account == staff_x

    # The successor's account opens on the summary of the enterprise.
    client = login(successor_account)
    home = client.get(reverse("dashboard"))
    summary_url = reverse("enterprises:handover_summary", args=[handover.pk])
    assert home.status_code == 302 and home["Location"] == summary_url
    page = client.get(summary_url).content.decode()
    assert "Phạm Thị X" in page  # whom they take over from
    assert 'data-testid="enterprise-assessments"' in page  # its assessments
    assert 'data-testid="options-by-status"' in page  # its options
    assert "123.456.000" in page or "123,456,000" in page  # its verified savings
    assert 'data-testid="handover-tasks"' in page and "Chưa bắt đầu" in page  # its open tasks
    # Once read, the account opens on the home page again.
    assert client.post(summary_url).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_handover_creates_the_successors_account_whose_first_sign_in_opens_on_the_summary(
    login, officer_a, enterprise_x, staff_x, lead, django_capture_on_commit_callbacks
):
    """A new contact person without an account: the handover form creates it (no usable
    password, a set-password link e-mailed), closes the departed person's account, and the
    successor's first sign-in lands on the enterprise's summary."""
    AssessmentFactory(enterprise=enterprise_x, year=2024, status="approved")
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(officer_a).post(
            reverse("enterprises:contact_handover", args=[enterprise_x.pk, lead.pk]),
            {
                "on": today.strftime("%d/%m/%Y"),
                "full_name": "Đỗ Văn Mới",
                "phone": "0987 000 111",
                "email": "Do.Van.Moi@bia.vn",
                "create_account": "on",
                "username": "do.van.moi",
            },
        )
    assert response.status_code == 302
    account = User.objects.get(username="do.van.moi")
    assert (account.role, account.enterprise, account.full_name, account.email) == (
        Role.ENTERPRISE,
        enterprise_x,
        "Đỗ Văn Mới",
        "do.van.moi@bia.vn",
    )
    assert account.is_active and not account.has_usable_password()  # nobody typed a password for them
    handover = Handover.objects.get()
    assert handover.successor_account == account and handover.successor.user == account
    staff_x.refresh_from_db()
    assert handover.closed_account == staff_x and not staff_x.is_active  # the old account is closed

    # The e-mailed link sets the password; the first sign-in opens on the summary.
    assert [m.to for m in mail.outbox] == [["do.van.moi@bia.vn"]]
    owner = Client()
    page = owner.get(set_password_link(mail.outbox[0]), follow=True)
    assert page.context["validlink"]
    form_url = page.redirect_chain[-1][0]
    password = "Cay-bang-lang-2026"
    assert owner.post(form_url, {"new_password1": password, "new_password2": password}).status_code == 302
    signed_in = owner.post(reverse("login"), {"username": "do.van.moi", "password": password}, follow=True)
    summary_url = reverse("enterprises:handover_summary", args=[handover.pk])
    assert signed_in.redirect_chain[-1][0] == summary_url
    text = signed_in.content.decode()
    assert "Phạm Thị X" in text and 'data-testid="enterprise-assessments"' in text


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"username": "do.van.moi"}, "email", "Cần địa chỉ email"),  # no e-mail to send the link to
        ({"email": "moi@bia.vn"}, "username", "Hãy chọn tên đăng nhập"),
        ({"email": "moi@bia.vn", "username": "staff.x"}, "username", "đã được sử dụng"),  # taken
        ({"email": "x@example.vn", "username": "do.van.moi"}, "email", "đã được một tài khoản khác"),  # staff_x's
        ({"email": "moi@bia.vn", "username": "do.van.moi", "successor_account": "existing"}, "create_account", ""),
    ],
)
def test_a_new_successor_account_is_refused_clearly_and_nothing_is_saved(
    login, officer_a, enterprise_x, staff_x, lead, successor_account, extra, field, message
):
    staff_x.email = "x@example.vn"
    staff_x.save(update_fields=["email"])
    if extra.get("successor_account") == "existing":
        extra = {**extra, "successor_account": successor_account.pk}
    data = {"on": timezone.localdate().strftime("%d/%m/%Y"), "full_name": "Đỗ Văn Mới", "create_account": "on"}
    response = login(officer_a).post(
        reverse("enterprises:contact_handover", args=[enterprise_x.pk, lead.pk]), {**data, **extra}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not Handover.objects.exists() and not User.objects.filter(username="do.van.moi").exists()
    staff_x.refresh_from_db()
    assert staff_x.is_active and mail.outbox == []


def test_enterprise_staff_cannot_create_accounts_through_a_handover(enterprise_x, staff_x, lead):
    with pytest.raises(PermissionDenied):
        contact_handover(
            by=staff_x, contact=lead, on=timezone.localdate(), full_name="Người Mới", email="m@bia.vn", new_username="m"
        )
    assert not User.objects.filter(username="m").exists()


def test_handover_cannot_be_recorded_twice_or_in_the_future(login, officer_a, enterprise_x, lead):
    client = login(officer_a)
    url = reverse("enterprises:contact_handover", args=[enterprise_x.pk, lead.pk])
    future = (timezone.localdate() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    response = client.post(url, {"on": future, "full_name": "Người Mới"})
    assert response.status_code == 200 and "không được ở trong tương lai" in response.content.decode()
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert client.post(url, {"on": today, "full_name": "Người Mới"}).status_code == 302
    response = client.post(url, {"on": today, "full_name": "Người Khác"})
    assert response.status_code == 200
    assert Handover.objects.count() == 1


def test_contacts_are_in_the_enterprise_export(login, officer_a, enterprise_x, lead):
    response = login(officer_a).get(reverse("enterprises:export"))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = wb[wb.sheetnames[-1]]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Mã số thuế", "Tên doanh nghiệp", "Vai trò", "Họ và tên")
    assert rows[1][:6] == (
        enterprise_x.tax_code,
        enterprise_x.name,
        "Trưởng nhóm SXSH",
        "Phạm Thị X",
        "0912 345 678",
        "x@bia.vn",
    )
    assert rows[1][6].date() == dt.date(2021, 3, 1)


def test_contacts_sheet_of_the_import_is_recorded(enterprise_x, officer_a):
    from enterprises.imports import apply_enterprise_import, parse_enterprise_workbook
    from enterprises.models import Enterprise
    from enterprises.spreadsheet import export_enterprises

    Contact.objects.create(
        enterprise=enterprise_x, role="cp_lead", full_name="Phạm Thị X", held_from=dt.date(2021, 3, 1)
    )
    buffer = io.BytesIO()
    from django.utils import translation

    with translation.override("vi"):
        export_enterprises(Enterprise.objects.filter(pk=enterprise_x.pk), buffer)
    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = wb[wb.sheetnames[-1]]
    sheet.append(
        [
            enterprise_x.tax_code,
            enterprise_x.name,
            "Energy manager",
            "Vũ Thị Năng",
            "024 3851 0000",
            "",
            "01/02/2024",
            None,
        ]
    )
    upload = io.BytesIO()
    wb.save(upload)
    upload.seek(0)
    preview = parse_enterprise_workbook(upload, user=officer_a)
    result = apply_enterprise_import(preview=preview, by=officer_a)
    assert result.contacts == 2  # the existing contact (updated) and the new one
    rows = sorted(Contact.objects.values_list("role", "full_name", "held_from"))
    assert rows == [
        ("cp_lead", "Phạm Thị X", dt.date(2021, 3, 1)),
        ("energy_manager", "Vũ Thị Năng", dt.date(2024, 2, 1)),
    ]


def test_a_contact_row_in_error_stops_the_whole_import(enterprise_x, officer_a, enterprise_y):
    from enterprises.imports import ImportFileError, apply_enterprise_import, parse_enterprise_workbook
    from enterprises.models import Enterprise
    from enterprises.spreadsheet import export_enterprises

    buffer = io.BytesIO()
    export_enterprises(Enterprise.objects.filter(pk=enterprise_x.pk), buffer)
    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    wb[wb.sheetnames[-1]].append([enterprise_y.tax_code, "", "cp_lead", "Người Ngoài", "", "", "01/02/2024", None])
    upload = io.BytesIO()
    wb.save(upload)
    upload.seek(0)
    preview = parse_enterprise_workbook(upload, user=officer_a)
    from django.utils import translation

    with translation.override("vi"), pytest.raises(ImportFileError, match="Không có doanh nghiệp"):
        apply_enterprise_import(preview=preview, by=officer_a)
    assert not Contact.objects.exists()
