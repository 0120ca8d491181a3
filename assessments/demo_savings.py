"""Demo savings reports for ``seed_demo`` (called by ``assessments.demo.seed`` after the
assessments and options exist).

Enterprises with implemented options report, for each year asked from the year of
implementation, what those options saved: mostly verified, some submitted or returned, the last
year less advanced; about a third of them report by quarter, the others once a year; a few
reports carry figures that trip the data-quality warnings (a quarter above a quarter of the
baseline, VND inconsistent with the quantity) so that reviewers see them; the verified ones carry
the officer's written justification. Deterministic (ctx.rng), bulk inserts
(COPY on PostgreSQL) in chunks of enterprises. Every verified report that the programme's evidence
rule covers, and most other verified and submitted ones, carry a small evidence file (a PDF or a
PNG made here and checked once by the portal's own upload checks), stored like an upload. Demo
magnitudes only: every figure derives from the demo baselines and options, nothing is presented
as real data.
"""

from __future__ import annotations

import datetime
import io
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from accounts.demo import DEMO_OFFICER_COMMUNE
from accounts.models import Role, User
from cleanprod.demo import bulk_insert
from cleanprod.files import private_save
from enterprises.models import Enterprise
from programme.selectors import current_settings

from . import evidence as evidence_checks
from .factors import FactorTable
from .models import (
    Assessment,
    BaselineConsumption,
    CPOption,
    Evidence,
    ResourceFactor,
    ResourceType,
    ReviewEvent,
    SavingsLine,
    SavingsReport,
)
from .plausibility import price_bands
from .quality import period_bounds

if TYPE_CHECKING:
    from cleanprod.demo import DemoContext

CHUNK = 2000  # enterprises planned and written at a time, so memory stays flat at national size
QUARTERLY_SHARE = 0.35  # enterprises that report by quarter (the others once a year)
WARNING_SHARE = {"submitted": 0.3, "returned": 0.3, "verified": 0.03, "draft": 0.1}
REALISATION = (0.6, 1.15)  # measured saving ÷ expected saving
FIRST_YEAR_SHARE = Decimal("0.5")  # an option implemented during the year saves part of it
Q = Decimal("0.001")

JUSTIFICATION = (
    "Đã đối chiếu hóa đơn và biên bản đo kiểm của doanh nghiệp; số liệu bất thường do đơn giá hợp đồng "
    "năm báo cáo khác với năm đánh giá."
)
RETURN_COMMENTS = [
    "Đề nghị bổ sung hóa đơn tiền điện của các tháng báo cáo.",
    "Số liệu tiết kiệm nước chưa khớp với chỉ số đồng hồ, đề nghị kiểm tra lại.",
    "Số tiền tiết kiệm chưa tương ứng với đơn giá năng lượng, đề nghị giải trình.",
    "Thiếu biên bản đo kiểm sau khi lắp đặt thiết bị.",
]
S = SavingsReport.Status
# Share of the reports that carry an evidence file beyond those the evidence rule requires.
EVIDENCE_SHARE: dict[str, float] = {S.VERIFIED: 0.85, S.SUBMITTED: 0.7}
EVIDENCE_NAMES = {
    "application/pdf": "bien-ban-do-kiem-{year}-{period}.pdf",
    "image/png": "anh-chup-cong-to-{year}-{period}.png",
}


def evidence_samples() -> dict[str, bytes]:
    """One small PDF and one small PNG, each accepted by the portal's own upload checks."""
    samples = {}
    for content_type, fmt, colour in (("application/pdf", "PDF", "white"), ("image/png", "PNG", (0, 128, 0))):
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), colour).save(buf, fmt)
        data = buf.getvalue()
        kind = evidence_checks.validate_evidence_file(ContentFile(data, name=f"sample.{fmt.lower()}"))
        if kind.content_type != content_type:
            raise RuntimeError(f"demo evidence detected as {kind.content_type}, not {content_type}")
        samples[content_type] = data
    return samples


def _status_for(rng, year: int, last_year: int) -> str:
    if year == last_year:
        return rng.choices([S.DRAFT, S.SUBMITTED, S.RETURNED, S.VERIFIED], [2, 3, 2, 3])[0]
    return rng.choices([S.DRAFT, S.SUBMITTED, S.RETURNED, S.VERIFIED], [0, 1, 1, 18])[0]


Move = tuple[str, str, "User | None", str]


@dataclass
class PlannedLine:
    option: CPOption | None
    resource_id: int
    quantity: Decimal
    vnd: int
    baseline: Decimal | None


@dataclass
class Plan:
    lines: list[PlannedLine]
    events: list[Move]
    end: datetime.date
    evidence: str = ""  # content type of the evidence file to attach, "" for none


def _implemented_year(option: CPOption) -> int:
    return option.implemented_on.year if option.implemented_on else 9999


def _events(rng, status: str, staff: User | None, officer: User | None, justification: str = "") -> list[Move]:
    if status == S.DRAFT:
        return []
    events: list[Move] = [(S.DRAFT, S.SUBMITTED, staff, "")]
    if status == S.RETURNED or (status == S.VERIFIED and rng.random() < 0.15):
        events.append((S.SUBMITTED, S.RETURNED, officer, rng.choice(RETURN_COMMENTS)))
        if status == S.VERIFIED:
            events.append((S.RETURNED, S.SUBMITTED, staff, ""))
    if status == S.VERIFIED:
        events.append((S.SUBMITTED, S.VERIFIED, officer, justification))
    return events


def _showcase_baselines(
    showcase: int | None, options_by_enterprise: dict, baseline: dict
) -> dict[int, list[tuple[int, tuple[Decimal, int | None]]]]:
    """For the demo enterprise account's enterprise when none of its options is implemented yet:
    per year, the baseline lines of its latest assessment up to that year (so that the demo
    login still has reports to look at and one to correct)."""
    if showcase is None or options_by_enterprise.get(showcase):
        return {}
    assessments = list(
        Assessment.objects.filter(enterprise_id=showcase).order_by("year", "pk").values_list("pk", "year")
    )
    result: dict[int, list] = {}
    for year in range(min((y for _pk, y in assessments), default=9999), 2101):
        latest = [pk for pk, y in assessments if y <= year]
        if not latest:
            continue
        rows = sorted((rid, values) for (aid, rid), values in baseline.items() if aid == latest[-1])
        if rows:
            result[year] = rows
        if year > timezone.localdate().year:
            break
    return result


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    now = timezone.now()
    today = timezone.localdate()
    years = list(ctx.years)
    last_year = years[-1]

    officers: dict[int, User] = {}
    for officer in User.objects.filter(role=Role.OFFICER).order_by("username"):
        officers.setdefault(officer.commune_id, officer)  # the officer of the enterprise's commune
    staff: dict[int, User] = {}
    for user in User.objects.filter(role=Role.ENTERPRISE).order_by("username"):
        staff.setdefault(user.enterprise_id, user)

    # Baseline unit prices and quantities of each assessment: (assessment, resource) -> (qty, cost)
    baseline: dict[tuple[int, int], tuple[Decimal, int | None]] = {
        (row.assessment_id, row.resource_id): (row.quantity, row.cost_vnd)
        for row in BaselineConsumption.objects.order_by("pk").only(
            "assessment_id", "resource_id", "quantity", "cost_vnd"
        )
    }
    options_by_enterprise: dict[int, list[CPOption]] = defaultdict(list)
    implemented = (
        CPOption.objects.filter(status=CPOption.Status.IMPLEMENTED, implemented_on__isnull=False)
        .select_related("assessment")
        .prefetch_related("expected_savings")
        .order_by("assessment__enterprise_id", "pk")
    )
    for option in implemented:
        options_by_enterprise[option.assessment.enterprise_id].append(option)
    district_of = dict(Enterprise.objects.filter(pk__in=list(options_by_enterprise)).values_list("pk", "commune_id"))
    showcase = (
        Enterprise.objects.filter(commune__code=DEMO_OFFICER_COMMUNE, active=True)
        .order_by("tax_code")
        .values_list("pk", flat=True)
        .first()
    )

    banded = set(ResourceType.objects.filter(code__in=list(price_bands())).values_list("pk", flat=True))
    factors = FactorTable(ResourceFactor.objects.all())
    rule = current_settings()
    showcase_baselines = _showcase_baselines(showcase, options_by_enterprise, baseline)
    if showcase is not None and showcase_baselines:
        district_of[showcase] = Enterprise.objects.values_list("commune_id", flat=True).get(pk=showcase)

    reports: list[SavingsReport] = []
    plans: list[Plan] = []
    enterprise_ids = set(options_by_enterprise)
    if showcase is not None and showcase_baselines:
        enterprise_ids.add(showcase)
    for count, enterprise_id in enumerate(sorted(enterprise_ids), start=1):
        options = options_by_enterprise.get(enterprise_id, [])
        quarterly = rng.random() < QUARTERLY_SHARE
        for year in years:
            active = [o for o in options if _implemented_year(o) <= year]
            if not active and not (enterprise_id == showcase and showcase_baselines.get(year)):
                continue
            periods = ["Q1", "Q2", "Q3", "Q4"] if quarterly else ["Y"]
            for period in periods:
                _start, end = period_bounds(year, period)
                if end > today:
                    continue  # savings are reported once the period is over
                status = _status_for(rng, year, last_year)
                if enterprise_id == showcase and year == last_year and period in ("Y", "Q4"):
                    status = S.RETURNED  # the demo enterprise account has something to correct
                fraction = Decimal(1) if period == "Y" else Decimal("0.25")
                planned: list[PlannedLine] = []
                for option in active:
                    share = fraction * (FIRST_YEAR_SHARE if _implemented_year(option) == year else Decimal(1))
                    for expected in option.expected_savings.all():
                        base_qty, base_cost = baseline.get((option.assessment_id, expected.resource_id), (None, None))
                        quantity = (expected.quantity * share * Decimal(rng.uniform(*REALISATION))).quantize(Q)
                        if quantity <= 0:
                            continue
                        price = Decimal(base_cost) / base_qty if base_cost and base_qty else Decimal(0)
                        vnd = int(quantity * price * Decimal(rng.uniform(0.85, 1.15)))
                        planned.append(PlannedLine(option, expected.resource_id, quantity, vnd, base_qty))
                if enterprise_id == showcase and not active:
                    # Savings from good housekeeping, without a formal option: a few % of the baseline.
                    for resource_id, (base_qty, base_cost) in showcase_baselines[year]:
                        quantity = (base_qty * fraction * Decimal(rng.uniform(0.02, 0.06))).quantize(Q)
                        price = Decimal(base_cost) / base_qty if base_cost and base_qty else Decimal(0)
                        planned.append(PlannedLine(None, resource_id, quantity, int(quantity * price), base_qty))
                if not planned:
                    continue
                warned = rng.random() < WARNING_SHARE[status]
                if warned:
                    target = rng.choice(planned)
                    if target.baseline and fraction < 1 and rng.random() < 0.5:
                        # a quarter above a quarter of the yearly baseline: "exceeds_baseline_share"
                        quantity = (target.baseline * fraction * Decimal("1.3")).quantize(Q)
                        target.vnd = int(target.vnd * quantity / target.quantity)  # same unit price
                        target.quantity = quantity
                    elif target.resource_id in banded:
                        # VND a sixth of the baseline's unit cost, still a possible price: "vnd_inconsistent"
                        target.vnd = target.vnd // 6
                    else:
                        # VND far from the baseline's unit cost: "vnd_inconsistent"
                        target.vnd = max(target.vnd * 8, 1_000_000)
                justification = JUSTIFICATION if warned and status == S.VERIFIED else ""
                log = _events(
                    rng, status, staff.get(enterprise_id), officers.get(district_of[enterprise_id]), justification
                )
                reports.append(
                    SavingsReport(
                        enterprise_id=enterprise_id,
                        year=year,
                        period=period,
                        status=status,
                        created_by=staff.get(enterprise_id),
                        version=len(log) + 1,
                        warning_count=int(warned) if status == S.VERIFIED else 0,
                        warnings_justification=justification,
                    )
                )
                # Evidence: always where the rule requires it for a verified report, often otherwise
                # (a generator of its own, so that the rest of the demo data stays as it was).
                pick = random.Random(f"{enterprise_id}-{year}-{period}")  # noqa: S311 - demo data
                toe = sum(
                    (factors.convert(p.resource_id, p.quantity, year).toe or Decimal(0) for p in planned), Decimal(0)
                )
                likelihood = EVIDENCE_SHARE.get(status, 0.0)
                attach = (status == S.VERIFIED and rule.needs_evidence(toe)) or pick.random() < likelihood
                kind = pick.choice(list(EVIDENCE_NAMES)) if attach else ""
                plans.append(Plan(planned, log, end, kind))

        if count % CHUNK == 0:
            _write(rng, now, reports, plans)
            reports.clear()
            plans.clear()
    _write(rng, now, reports, plans)
    count_queue_warnings()


def count_queue_warnings() -> None:
    """The warnings of the reports waiting for review, as submission would have stored them
    (a verified demo report stores the warning it was given, with the officer's justification)."""
    from .services.savings import review_report

    waiting = SavingsReport.objects.filter(status=S.SUBMITTED).select_related("enterprise")
    for report in waiting.prefetch_related("lines__resource", "lines__option").iterator(chunk_size=500):
        count = len(review_report(report).warnings)
        if count:
            SavingsReport.objects.filter(pk=report.pk).update(warning_count=count)


def _write(rng, now: datetime.datetime, reports: list[SavingsReport], plans: list[Plan]) -> None:
    """Insert planned reports with their lines and review log."""
    bulk_insert(SavingsReport, reports, history=True)
    lines: list[SavingsLine] = []
    events: list[ReviewEvent] = []
    for report, plan in zip(reports, plans, strict=True):
        lines.extend(
            SavingsLine(report=report, resource_id=p.resource_id, quantity=p.quantity, vnd_saved=p.vnd, option=p.option)
            for p in plan.lines
        )
        end = plan.end
        moment = min(
            datetime.datetime(end.year, end.month, end.day, 9, 0, tzinfo=datetime.UTC)
            + datetime.timedelta(days=rng.randint(10, 40)),
            now,
        )
        for from_status, to_status, by, comment in plan.events:
            events.append(
                ReviewEvent(
                    savings_report=report,
                    from_status=from_status,
                    to_status=to_status,
                    by=by,
                    at=moment,
                    comment=comment,
                )  # fmt: skip
            )
            moment = min(moment + datetime.timedelta(days=rng.randint(2, 20)), now)
    bulk_insert(SavingsLine, lines, history=True)
    bulk_insert(ReviewEvent, events)
    _write_evidence(reports, plans)


def _write_evidence(reports: list[SavingsReport], plans: list[Plan]) -> None:
    """Store each planned evidence file under a generated name, as an upload would be."""
    samples = evidence_samples()
    items: list[Evidence] = []
    storage = Evidence._meta.get_field("file").storage  # type: ignore[attr-defined]
    for report, plan in zip(reports, plans, strict=True):
        if not plan.evidence:
            continue
        data = samples[plan.evidence]
        item = Evidence(
            report=report,
            original_name=EVIDENCE_NAMES[plan.evidence].format(year=report.year, period=report.period.lower()),
            content_type=plan.evidence,
            size=len(data),
            uploaded_by_id=report.created_by_id,
        )
        name = item.file.field.generate_filename(item, "upload")
        item.file.name = private_save(name, io.BytesIO(data), storage=storage, max_length=255)
        items.append(item)
    bulk_insert(Evidence, items)
