"""Demo assessments and CP options for ``seed_demo``: about 30% of active enterprises have an
assessment over the years asked, and again every few years on a long span, in every status, with
baseline lines, options in every category and the review log. Deterministic (ctx.rng), bulk
inserts (COPY on PostgreSQL) in chunks, so national-size sets build in minutes. Savings reports
follow in ``assessments.demo_savings``."""

from __future__ import annotations

import datetime
import importlib
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.demo import DEMO_OFFICER_COMMUNE
from accounts.models import Role, User
from cleanprod.demo import bulk_insert
from enterprises.models import Enterprise

from .models import (
    Assessment,
    BaselineConsumption,
    CPOption,
    OptionExpectedSaving,
    ResourceType,
    ReviewEvent,
)

if TYPE_CHECKING:
    from cleanprod.demo import DemoContext

SHARE_WITH_ASSESSMENT = 0.3
REASSESSMENT_EVERY = 3  # years: an enterprise may be assessed again once per such span
REASSESSMENT_SHARE = 0.6
CHUNK = 5000  # assessments planned and written at a time

# Baseline quantity per employee and year (demo magnitudes only) and a unit price in VND.
OTHER_RESOURCES = {
    "coal_3_4": (Decimal("1.2"), 3_500_000),
    "diesel_do": (Decimal("180"), 20_000),
    "fuel_oil_fo": (Decimal("250"), 16_000),
    "lpg": (Decimal("90"), 25_000),
    "natural_gas": (Decimal("300"), 12_000),
    "biomass": (Decimal("0.8"), 1_200_000),
    "water": (Decimal("60"), 12_000),
    "raw_material": (Decimal("8"), 9_000_000),
    "chemicals": (Decimal("0.3"), 25_000_000),
    "solid_waste": (Decimal("0.9"), 600_000),
    "wastewater": (Decimal("45"), 8_000),
}
ELECTRICITY_PER_EMPLOYEE = (3000, 9000)  # kWh per employee and year
ELECTRICITY_PRICE = 1_900  # VND per kWh

DESCRIPTIONS = {
    CPOption.Category.GOOD_HOUSEKEEPING: [
        "Sửa chữa rò rỉ hơi và khí nén",
        "Tắt thiết bị khi không sử dụng, lập lịch vận hành",
        "Đào tạo công nhân vận hành tiết kiệm",
    ],
    CPOption.Category.INPUT_CHANGE: [
        "Thay dầu FO bằng khí thiên nhiên cho lò hơi",
        "Dùng hóa chất nhuộm ít độc hơn",
        "Thay than cám bằng sinh khối viên nén",
    ],
    CPOption.Category.PROCESS_CONTROL: [
        "Lắp biến tần cho bơm và quạt",
        "Kiểm soát nhiệt độ lò sấy tự động",
        "Định mức nước rửa theo mẻ",
    ],
    CPOption.Category.EQUIPMENT_MODIFICATION: [
        "Bảo ôn đường ống hơi",
        "Lắp bẫy hơi mới",
        "Cải tạo buồng đốt lò hơi",
    ],
    CPOption.Category.TECHNOLOGY_CHANGE: [
        "Thay đèn huỳnh quang bằng đèn LED",
        "Thay máy nén khí hiệu suất cao",
        "Chuyển sang công nghệ nhuộm ít nước",
    ],
    CPOption.Category.ONSITE_RECOVERY: [
        "Thu hồi nước ngưng về lò hơi",
        "Tuần hoàn nước làm mát",
        "Thu hồi nhiệt khói thải",
    ],
    CPOption.Category.BY_PRODUCT: [
        "Bán bã hèm làm thức ăn chăn nuôi",
        "Tận dụng phế liệu nhựa làm hạt tái sinh",
        "Ép mùn cưa thành viên nén",
    ],
    CPOption.Category.PRODUCT_MODIFICATION: [
        "Giảm độ dày bao bì sản phẩm",
        "Thiết kế lại sản phẩm dùng ít vật liệu",
    ],
}
RETURN_COMMENTS = [
    "Bổ sung số liệu tiêu thụ điện năm cơ sở theo hóa đơn.",
    "Chưa có phân tích khả thi kinh tế cho giải pháp đầu tư lớn.",
    "Đề nghị làm rõ đơn vị sản lượng.",
]


def _at(rng, year: int, now: datetime.datetime) -> datetime.datetime:
    moment = datetime.datetime(
        year,
        rng.randint(1, 12),
        rng.randint(1, 28),
        rng.randint(8, 17),
        rng.randint(0, 59),
        tzinfo=timezone.get_current_timezone(),
    )
    return min(moment, now - datetime.timedelta(days=1))


def _status_for(rng, year: int, last_year: int) -> str:
    s = Assessment.Status
    if year == last_year:
        return rng.choices([s.DRAFT, s.SUBMITTED, s.RETURNED, s.APPROVED], [3, 3, 2, 2])[0]
    return rng.choices([s.DRAFT, s.SUBMITTED, s.RETURNED, s.APPROVED], [1, 1, 1, 7])[0]


@dataclass
class _State:
    """What the chunks of one run share."""

    resources: dict[str, ResourceType]
    planned: int = 0  # assessments planned so far
    categories_shown: int = 0  # the first options go through every category once


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    state = _State(resources={r.code: r for r in ResourceType.objects.all()})
    officers: dict[int, User] = {}
    for officer in User.objects.filter(role=Role.OFFICER).order_by("pk"):
        officers.setdefault(officer.commune_id, officer)  # the officer of the enterprise's commune
    doit = User.objects.filter(role=Role.DOIT).order_by("pk").first()
    enterprises = list(
        Enterprise.objects.filter(active=True).order_by("pk").only("pk", "commune_id", "employees", "tax_code")
    )
    showcase = Enterprise.objects.filter(commune__code=DEMO_OFFICER_COMMUNE, active=True).order_by("tax_code").first()
    chosen = [e for e in enterprises if rng.random() < SHARE_WITH_ASSESSMENT or e == showcase]
    years = list(ctx.years)

    assessments: list[Assessment] = []
    plans: list[dict] = []  # per assessment: enterprise size and the events to write
    for enterprise in chosen:
        again = sum(rng.random() < REASSESSMENT_SHARE for _ in range(len(years) // REASSESSMENT_EVERY))
        count = min(len(years), 1 + again)
        for year in sorted(rng.sample(years, count)):
            officer = officers.get(enterprise.commune_id) if enterprise.commune_id is not None else None
            status = _status_for(rng, year, years[-1])
            if state.planned < len(Assessment.Status.choices):  # every status at least once
                status = Assessment.Status.values[state.planned]
            state.planned += 1
            low_step = 4 if status == Assessment.Status.APPROVED else 1
            events: list[tuple[str, str, User | None, str]] = []
            if status != Assessment.Status.DRAFT:
                events.append(("draft", "submitted", officer, ""))
                if status == Assessment.Status.RETURNED or (
                    status == Assessment.Status.APPROVED and rng.random() < 0.2
                ):
                    events.append(("submitted", "returned", doit, rng.choice(RETURN_COMMENTS)))
                    if status == Assessment.Status.APPROVED:
                        events.append(("returned", "submitted", officer, ""))
                if status == Assessment.Status.APPROVED:
                    events.append(("submitted", "approved", doit, ""))
            employees = max(enterprise.employees, 5)
            assessments.append(
                Assessment(
                    enterprise=enterprise,
                    year=year,
                    assessor_name=officer.get_full_name() if officer else rng.choice(ctx.people),
                    assessor=officer,
                    step=rng.randint(low_step, 6),
                    status=status,
                    baseline_output=Decimal(employees * rng.randint(5, 40)),
                    baseline_output_unit=rng.choice(["t sản phẩm", "nghìn sản phẩm", "m³ sản phẩm"]),
                    created_by=officer,
                    version=len(events) + 1,
                )
            )
            plans.append({"employees": employees, "events": events, "year": year})
        if len(assessments) >= CHUNK:
            _write(ctx, state, assessments, plans)
            assessments.clear()
            plans.clear()
    _write(ctx, state, assessments, plans)

    try:
        savings = importlib.import_module("assessments.demo_savings")
    except ModuleNotFoundError as exc:
        if exc.name != "assessments.demo_savings":
            raise
    else:
        savings.seed(ctx)
    _seed_calls(ctx)
    _seed_contacts(ctx)


def _seed_contacts(ctx: DemoContext) -> None:
    """Each enterprise with a staff account has that person as its CP team lead (so that an
    officer can record a handover in the demo) and an energy manager."""
    import random

    from enterprises.models import Contact

    rng = random.Random(ctx.seed + 16)  # its own stream: the other apps' demo data stay as they were
    contacts = []
    for user in User.objects.filter(role=Role.ENTERPRISE).order_by("username"):
        start = datetime.date(ctx.first_year, 1 + rng.randrange(12), 1)
        contacts.append(
            Contact(
                enterprise_id=user.enterprise_id,
                role=Contact.Role.CP_LEAD,
                full_name=user.full_name,
                phone=f"09{rng.randrange(10**8):08d}",
                email=user.email,
                held_from=start,
                user=user,
            )
        )
        contacts.append(
            Contact(
                enterprise_id=user.enterprise_id,
                role=Contact.Role.ENERGY_MANAGER,
                full_name=rng.choice(ctx.people),
                phone=f"024{rng.randrange(10**8):08d}",
                held_from=start,
            )
        )
    Contact.objects.bulk_create(contacts)


def _seed_calls(ctx: DemoContext) -> None:
    """DOIT's data calls: the yearly savings of the last demo year from every enterprise with an
    implemented option (due on 31/3 of the next year), and the next quarter's from the
    enterprises of the food division, due a month after today (so that the demo shows open tasks,
    reminders and overdue reports)."""
    from enterprises.models import Sector

    from .models import DataCall

    doit = User.objects.filter(role=Role.DOIT).order_by("username").first()
    last = ctx.last_year
    DataCall.objects.create(
        year=last,
        period="Y",
        due_date=datetime.date(last + 1, 3, 31),
        scope=DataCall.Audience.IMPLEMENTED,
        message=(
            f"Sở Công Thương đề nghị các doanh nghiệp đã thực hiện giải pháp sản xuất sạch hơn báo cáo "
            f"kết quả tiết kiệm năm {last} trước ngày 31/3/{last + 1}."
        ),
        created_by=doit,
    )
    today = timezone.localdate()
    quarter = (today.month - 1) // 3  # the quarter that ended last (0: the last one of last year)
    year, period = (today.year, f"Q{quarter}") if quarter else (today.year - 1, "Q4")
    food = DataCall.objects.create(
        year=year,
        period=period,
        due_date=today + datetime.timedelta(days=30),
        scope=DataCall.Audience.SECTORS,
        message="Đề nghị doanh nghiệp ngành chế biến thực phẩm báo cáo kết quả tiết kiệm năng lượng của quý.",
        created_by=doit,
    )
    food.sectors.set(Sector.objects.filter(code="10"))


def _write(ctx: DemoContext, state: _State, assessments: list[Assessment], plans: list[dict]) -> None:
    """Insert planned assessments with their baseline lines, options and review log."""
    rng = ctx.rng
    now = timezone.now()
    today = timezone.localdate()
    resources = state.resources
    categories = list(CPOption.Category)
    bulk_insert(Assessment, assessments, history=True)
    lines: list[BaselineConsumption] = []
    options: list[CPOption] = []
    option_resources: list[list[tuple[ResourceType, Decimal]]] = []
    review_events: list[ReviewEvent] = []
    for assessment, plan in zip(assessments, plans, strict=True):
        employees, year = plan["employees"], plan["year"]
        kwh = Decimal(employees * rng.randint(*ELECTRICITY_PER_EMPLOYEE))
        baseline = [(resources["electricity"], kwh, int(kwh) * ELECTRICITY_PRICE)]
        for code in rng.sample(sorted(OTHER_RESOURCES), rng.randint(1, 3)):
            per_employee, price = OTHER_RESOURCES[code]
            quantity = (per_employee * employees * Decimal(rng.uniform(0.5, 1.5))).quantize(Decimal("0.1"))
            baseline.append((resources[code], quantity, int(quantity * price)))
        for resource, quantity, cost in baseline:
            lines.append(
                BaselineConsumption(assessment=assessment, resource=resource, quantity=quantity, cost_vnd=cost)
            )

        total_cost = sum(cost for *_, cost in baseline)
        for _ in range(rng.randint(2, 5)):
            if state.categories_shown < len(categories):
                category = categories[state.categories_shown]
                state.categories_shown += 1
            else:
                category = rng.choice(categories)
            status = _option_status(rng, assessment.status)
            screening = {
                CPOption.Status.IMPLEMENTED: CPOption.Screening.IMPLEMENT_NOW,
                CPOption.Status.REJECTED: CPOption.Screening.REJECTED,
            }.get(CPOption.Status(status)) or rng.choice(
                [CPOption.Screening.IMPLEMENT_NOW, CPOption.Screening.NEEDS_STUDY]
            )
            savings_vnd = int(total_cost * rng.uniform(0.01, 0.08))
            investment = (
                0 if category == CPOption.Category.GOOD_HOUSEKEEPING else int(savings_vnd * rng.uniform(0.5, 4))
            )
            implemented_on = None
            if status == CPOption.Status.IMPLEMENTED:
                implemented_on = min(datetime.date(year + 1, rng.randint(1, 12), rng.randint(1, 28)), today)
            options.append(
                CPOption(
                    assessment=assessment,
                    category=category,
                    description=rng.choice(DESCRIPTIONS[category]),
                    investment_vnd=investment,
                    expected_savings_vnd=savings_vnd,
                    screening=screening,
                    feasibility_technical="Khả thi với thiết bị sẵn có." if rng.random() < 0.6 else "",
                    feasibility_economic="Thời gian hoàn vốn chấp nhận được." if rng.random() < 0.5 else "",
                    feasibility_environmental="Giảm phát thải và nước thải." if rng.random() < 0.4 else "",
                    status=status,
                    implemented_on=implemented_on,
                )
            )
            saved_resources = rng.sample(baseline, min(len(baseline), rng.randint(1, 3)))
            option_resources.append(
                [
                    (r, (q * Decimal(rng.uniform(0.02, 0.12))).quantize(Decimal("0.1")))
                    for r, q, _cost in saved_resources
                ]
            )

        moment = _at(rng, year, now)
        for from_status, to_status, by, comment in plan["events"]:
            review_events.append(
                ReviewEvent(
                    assessment=assessment,
                    from_status=from_status,
                    to_status=to_status,
                    by=by,
                    at=moment,
                    comment=comment,
                )
            )
            moment = min(moment + datetime.timedelta(days=rng.randint(3, 30)), now)

    bulk_insert(BaselineConsumption, lines, history=True)
    bulk_insert(CPOption, options, history=True)
    expected = [
        OptionExpectedSaving(option=option, resource=resource, quantity=quantity)
        for option, pairs in zip(options, option_resources, strict=True)
        for resource, quantity in pairs
    ]
    bulk_insert(OptionExpectedSaving, expected)
    bulk_insert(ReviewEvent, review_events)


def _option_status(rng, assessment_status: str) -> str:
    s = CPOption.Status
    if assessment_status == Assessment.Status.APPROVED:
        return rng.choices([s.PROPOSED, s.FEASIBLE, s.IMPLEMENTED, s.REJECTED], [1, 2, 5, 1])[0]
    return rng.choices([s.PROPOSED, s.FEASIBLE, s.REJECTED], [5, 3, 1])[0]
