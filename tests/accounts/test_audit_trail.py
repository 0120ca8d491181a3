"""Every write a user makes leaves a change record with that user and the time (django-simple-history):
through the web (HistoryRequestMiddleware) and through the history-keeping bulk writes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.audit import NOT_AUDITED, SOURCES
from accounts.history import PASSWORD_CHANGED
from accounts.models import Role, User
from assessments.models import Assessment, Evidence, OptionExpectedSaving, ResourceFactor
from enterprises.models import Enterprise
from reporting.models import ActionPlan
from tests.assessments.assessment_forms import full_post, option
from tests.assessments.test_evidence_checks import pdf_bytes
from tests.conftest import PASSWORD
from tests.enterprises.test_views import form_data
from tests.factories import OfficerFactory, SavingsLineFactory, SavingsReportFactory, resource
from training.models import Officer

pytestmark = pytest.mark.django_db

PROJECT_APPS = [
    "accounts",
    "enterprises",
    "assessments",
    "training",
    "reporting",
    "programme",
    "guidance",
    "periods",
    "notifications",
]


def latest(model, **filters):
    return model.history.filter(**filters).order_by("-history_id").first()


# --------------------------------------------------------------------------- coverage


def test_every_model_of_the_project_is_audited_or_explained():
    """A new model must be added to SOURCES (with history) or to NOT_AUDITED with a reason."""
    audited = {source.model_label for source in SOURCES}
    assert not audited & set(NOT_AUDITED)
    models = [
        m
        for app in PROJECT_APPS
        for m in apps.get_app_config(app).get_models()
        if not m.__name__.startswith("Historical")
    ]
    missing = [m._meta.label for m in models if m._meta.label not in audited | set(NOT_AUDITED)]
    assert missing == []
    for label in audited:
        model = apps.get_model(label)
        assert hasattr(model, "history"), f"{label} keeps no history"
        assert model.history.model._meta.db_table in connection.introspection.table_names()


def test_the_password_hash_is_never_kept_in_history():
    fields = {f.name for f in User.history.model._meta.fields}
    assert "password" not in fields and "last_login" not in fields
    assert {"role", "district", "enterprise", "is_active"} <= fields


# --------------------------------------------------------------------------- web writes


def test_officer_registering_an_enterprise_is_recorded_with_the_officer(login, officer_a):
    data = form_data(name="Công ty TNHH Ghi Vết")
    assert login(officer_a).post(reverse("enterprises:create"), data).status_code == 302
    enterprise = Enterprise.objects.get(name="Công ty TNHH Ghi Vết")
    record = latest(Enterprise, id=enterprise.pk)
    assert (record.history_type, record.history_user) == ("+", officer_a)
    assert record.history_date is not None


def test_doit_changing_an_account_is_recorded_with_role_and_commune(login, doit_user, officer_a, commune_b):
    response = login(doit_user).post(
        reverse("accounts:user_edit", args=[officer_a.pk]),
        {
            "username": officer_a.username,
            "full_name": officer_a.full_name,
            "email": officer_a.email,
            "role": Role.OFFICER,
            "commune": commune_b.pk,
            "is_active": "",
        },
    )
    assert response.status_code == 302
    record = latest(User, id=officer_a.pk)
    assert (record.history_type, record.history_user, record.commune_id, record.is_active) == (
        "~",
        doit_user,
        commune_b.pk,
        False,
    )


def test_doit_creating_an_account_is_recorded(login, doit_user, enterprise_x):
    response = login(doit_user).post(
        reverse("accounts:user_create"),
        {
            "username": "staff.new",
            "full_name": "Nhân Viên Mới",
            "email": "new@example.vn",
            "role": Role.ENTERPRISE,
            "enterprise": enterprise_x.tax_code,
        },
    )
    assert response.status_code == 302
    record = latest(User, username="staff.new")
    assert (record.history_type, record.history_user, record.enterprise_id) == ("+", doit_user, enterprise_x.pk)


def test_signing_in_leaves_no_account_change_record(officer_a):
    before = User.history.filter(id=officer_a.pk).count()
    response = Client().post(reverse("login"), {"username": officer_a.username, "password": PASSWORD})
    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert officer_a.last_login is not None
    assert User.history.filter(id=officer_a.pk).count() == before


def test_a_password_change_is_recorded_without_the_password(login, officer_a):
    response = login(officer_a).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Mot-mat-khau-moi-2026", "new_password2": "Mot-mat-khau-moi-2026"},
    )
    assert response.status_code == 302
    record = latest(User, id=officer_a.pk)
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "~",
        officer_a,
        PASSWORD_CHANGED,
    )
    # a later ordinary save is not marked as a password change
    officer_a.refresh_from_db()
    officer_a.phone = "0900000000"
    officer_a.save()
    assert latest(User, id=officer_a.pk).history_change_reason is None


def test_doit_entering_a_factor_is_recorded(login, doit_user):
    response = login(doit_user).post(
        reverse("assessments:factors"),
        {
            "resource": resource("electricity").pk,
            "valid_from_year": 2031,
            "toe_per_unit": "0.0001543",
            "tco2e_per_unit": "0.0006",
            "source": "Công văn thử nghiệm",
            "method": "",
        },
    )
    assert response.status_code == 302
    factor = ResourceFactor.objects.get(valid_from_year=2031)
    record = latest(ResourceFactor, id=factor.pk)
    assert (record.history_type, record.history_user) == ("+", doit_user)


def test_expected_savings_of_an_option_are_recorded_with_the_officer(login, officer_a, enterprise_x):
    electricity = resource("electricity").pk
    data = full_post(
        options=[
            option(
                category="technology",
                description="Thay đèn LED",
                saving_resource_1=electricity,
                saving_quantity_1="25000",
            )
        ]
    )
    client = login(officer_a)
    response = client.post(reverse("assessments:create") + f"?enterprise={enterprise_x.pk}", data)
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    row = OptionExpectedSaving.objects.get()
    assert (latest(OptionExpectedSaving, id=row.pk).history_type, latest(OptionExpectedSaving).history_user) == (
        "+",
        officer_a,
    )
    # change the quantity: the bulk update is recorded too
    opt = assessment.options.get()
    edit = full_post(
        assessment,
        options=[
            option(
                id=opt.pk,
                category="technology",
                description="Thay đèn LED",
                saving_resource_1=electricity,
                saving_quantity_1="30000",
            )
        ],
    )
    assert client.post(reverse("assessments:edit", args=[assessment.pk]), edit).status_code == 302
    record = latest(OptionExpectedSaving, id=row.pk)
    assert (record.history_type, record.history_user, record.quantity) == ("~", officer_a, Decimal("30000"))


def test_evidence_upload_and_removal_are_recorded_with_the_enterprise_staff(
    login, staff_x, enterprise_x, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    SavingsLineFactory(report=report)
    client = login(staff_x, language="en")
    response = client.post(
        reverse("savings:evidence_upload", args=[report.pk]),
        {"file": SimpleUploadedFile("Biên bản.pdf", pdf_bytes(), content_type="application/pdf")},
    )
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert (latest(Evidence, id=item.pk).history_type, latest(Evidence, id=item.pk).history_user) == ("+", staff_x)
    assert client.post(reverse("savings:evidence_delete", args=[report.pk, item.pk])).status_code == 302
    record = latest(Evidence, id=item.pk)
    assert (record.history_type, record.history_user, record.original_name) == ("-", staff_x, "Biên bản.pdf")


def test_doit_creating_an_action_plan_is_recorded(login, doit_user):
    response = login(doit_user).post(
        reverse("reporting:plan_create"),
        {
            "decision_number": "999/KH-UBND",
            "title": "Kế hoạch ghi vết",
            "first_year": 2026,
            "last_year": 2030,
            "issued_on": "2026-01-15",
            "level": "city",
            "targets-TOTAL_FORMS": "0",
            "targets-INITIAL_FORMS": "0",
            "targets-MIN_NUM_FORMS": "0",
            "targets-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = ActionPlan.objects.get(decision_number="999/KH-UBND")
    record = latest(ActionPlan, id=plan.pk)
    assert (record.history_type, record.history_user) == ("+", doit_user)


def test_doit_recording_a_training_officer_is_recorded(login, doit_user, district_a):
    officer_account = OfficerFactory(username="officer.c", district=district_a)
    response = login(doit_user).post(
        reverse("training:officer_create"),
        {
            "full_name": "Cán Bộ Ghi Vết",
            "district": district_a.pk,
            "position": "Chuyên viên",
            "tenure_start": "2020-01-01",
            "tenure_end": "",
            "user": officer_account.pk,
            "phone": "",
            "email": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    officer = Officer.objects.get(full_name="Cán Bộ Ghi Vết")
    assert latest(Officer, id=officer.pk).history_user == doit_user
