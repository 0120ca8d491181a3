"""factory_boy factories for the portal's models. Apps add their own factories here."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, User
from enterprises.crosswalk import home_commune
from enterprises.models import District, Enterprise, Sector
from enterprises.validators import tax_code_check_digit


def _valid_tax_codes():
    for seq in itertools.count(2_000_000):
        first_nine = f"01{seq:07d}"
        check = tax_code_check_digit(first_nine)
        if check is not None:
            yield f"{first_nine}{check}"


_TAX_CODES = _valid_tax_codes()


def next_tax_code() -> str:
    return next(_TAX_CODES)


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = Enterprise

    tax_code = factory.LazyFunction(next_tax_code)
    name = factory.Sequence(lambda n: f"Công ty TNHH Thử nghiệm {n}")
    district = factory.LazyFunction(lambda: District.objects.get(code="006"))
    # Located in the commune that carries on its former district (re-homed), unless told.
    commune = factory.LazyAttribute(lambda o: home_commune(o.district) if o.district else None)
    sector = factory.LazyFunction(lambda: Sector.objects.get(code="10"))
    address = factory.LazyAttribute(lambda o: f"Số 1, đường Láng, {o.district.name}, Hà Nội")
    ownership = Enterprise.Ownership.PRIVATE
    size = Enterprise.Size.SMALL
    employees = 50
    # Registered well before the years the tests compute; an inactive one closed since then.
    registered_on = dt.date(2000, 1, 1)
    active = True
    closed_on = factory.LazyAttribute(lambda o: None if o.active else o.registered_on)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Người dùng {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    role = Role.DOIT
    password = factory.django.Password("Mat-khau-thu-2026")


class OfficerFactory(UserFactory):
    """An officer of a commune office (by default the one that carries on district 006): the
    former district stays on the account as history."""

    role = Role.OFFICER
    district = factory.LazyFunction(lambda: District.objects.get(code="006"))
    commune = factory.LazyAttribute(lambda o: home_commune(o.district) if o.district else None)


class EnterpriseStaffFactory(UserFactory):
    role = Role.ENTERPRISE
    enterprise = factory.SubFactory(EnterpriseFactory)


# --- assessments (resource types and factors come from the data migration) --------------------


def resource(code: str):
    from assessments.models import ResourceType

    return ResourceType.objects.get(code=code)


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = "assessments.Assessment"

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2022
    assessor_name = "Trần Văn Đánh Giá"
    step = 1
    status = "draft"
    baseline_output = 1000
    baseline_output_unit = "t sản phẩm"


class BaselineConsumptionFactory(DjangoModelFactory):
    class Meta:
        model = "assessments.BaselineConsumption"

    assessment = factory.SubFactory(AssessmentFactory)
    resource = factory.LazyFunction(lambda: resource("electricity"))
    quantity = 100000
    cost_vnd = 200_000_000


class CPOptionFactory(DjangoModelFactory):
    class Meta:
        model = "assessments.CPOption"

    assessment = factory.SubFactory(AssessmentFactory)
    category = "housekeeping"
    description = "Sửa chữa rò rỉ khí nén"
    investment_vnd = 50_000_000
    expected_savings_vnd = 25_000_000


class SavingsReportFactory(DjangoModelFactory):
    class Meta:
        model = "assessments.SavingsReport"

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2022
    period = "Y"
    status = "draft"


class SavingsLineFactory(DjangoModelFactory):
    class Meta:
        model = "assessments.SavingsLine"

    report = factory.SubFactory(SavingsReportFactory)
    resource = factory.LazyFunction(lambda: resource("electricity"))
    quantity = 10000
    vnd_saved = 20_000_000


# --- training ---------------------------------------------------------------------------------


def _date(year: int, month: int, day: int):
    import datetime

    return datetime.date(year, month, day)


class TrainingOfficerFactory(DjangoModelFactory):
    """A training.Officer record (not a portal account: that is OfficerFactory)."""

    class Meta:
        model = "training.Officer"

    full_name = factory.Sequence(lambda n: f"Cán bộ Thử nghiệm {n}")
    district = factory.LazyFunction(lambda: District.objects.get(code="006"))
    position = "Chuyên viên Phòng Kinh tế"
    tenure_start = _date(2015, 1, 1)


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = "training.Course"

    title = factory.Sequence(lambda n: f"Tập huấn sản xuất sạch hơn {n}")
    kind = "officer"
    start_date = _date(2024, 3, 1)
    end_date = factory.LazyAttribute(lambda o: o.start_date)
    hours = 8
    organiser = "Sở Công Thương Hà Nội"


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = "training.Attendance"

    officer = factory.SubFactory(TrainingOfficerFactory)
    course = factory.SubFactory(CourseFactory)
    attended = True
    passed = True


class EnterpriseParticipationFactory(DjangoModelFactory):
    class Meta:
        model = "training.EnterpriseParticipation"

    enterprise = factory.SubFactory(EnterpriseFactory)
    course = factory.SubFactory(CourseFactory, kind="awareness")
    attendees = 2


# --- reporting --------------------------------------------------------------------------------


class ActionPlanFactory(DjangoModelFactory):
    class Meta:
        model = "reporting.ActionPlan"
        django_get_or_create = ("decision_number",)

    decision_number = factory.Sequence(lambda n: f"{100 + n}/KH-UBND")
    title = factory.Sequence(lambda n: f"Kế hoạch sản xuất sạch hơn thử nghiệm {n}")
    first_year = 2021
    last_year = 2025
    issued_on = _date(2021, 1, 15)


def _indicator(code: str):
    from reporting.models import Indicator

    return Indicator.objects.get(code=code)


class TargetFactory(DjangoModelFactory):
    """``indicator`` may be given as a code: ``TargetFactory(indicator="applying_share")``."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if isinstance(kwargs.get("indicator"), str):
            kwargs["indicator"] = _indicator(kwargs["indicator"])
        return super()._create(model_class, *args, **kwargs)

    class Meta:
        model = "reporting.Target"

    plan = factory.SubFactory(ActionPlanFactory)
    indicator = factory.LazyFunction(lambda: _indicator("aware_share"))
    year = 2024
    value = 50


class ReportJobFactory(DjangoModelFactory):
    class Meta:
        model = "reporting.ReportJob"

    year = 2024
    district = None
    format = "pdf"
    status = "queued"
    requester = factory.SubFactory(UserFactory)


# --- data calls -------------------------------------------------------------------------------


class DataCallFactory(DjangoModelFactory):
    class Meta:
        model = "assessments.DataCall"

    year = 2025
    period = "Y"
    due_date = _date(2026, 3, 31)
    scope = "implemented"
    message = "Đề nghị doanh nghiệp báo cáo kết quả tiết kiệm năm 2025."
