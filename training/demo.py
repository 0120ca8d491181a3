"""Demo training data for ``seed_demo``: district officers with turnover over the years, courses of
each kind every year, attendance with pass / fail and unique certificate numbers, and enterprises
taking part in awareness courses (those count as *aware of CP*). Deterministic through ``ctx.rng``;
bulk inserts (COPY on PostgreSQL).

Turnover is what the city complains of: every year some officers leave, and a replacement may come
weeks or months later, or not at all; replacements are trained only when a course comes their way.
So, at the end, some districts are covered, some at risk and some not covered.

True to the dates of the reform: district offices appoint officers up to 30/6/2025 and end that
day (their officers' records end with them); from 1/7/2025 each commune's or ward's office has
its own officers (each commune's portal account among them), many of them former district staff.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.models import Role, User
from cleanprod.demo import bulk_insert
from enterprises.models import REFORM_DATE, Commune, District, Enterprise
from enterprises.text import fold

from .models import Attendance, Course, CourseKind, EnterpriseParticipation, Officer

if TYPE_CHECKING:
    from cleanprod.demo import DemoContext

POSITIONS = [
    "Chuyên viên Phòng Kinh tế",
    "Phó Trưởng phòng Kinh tế",
    "Trưởng phòng Kinh tế",
    "Chuyên viên Phòng Kinh tế (phụ trách công nghiệp)",
]
ORGANISERS = [
    "Sở Công Thương Hà Nội",
    "Trung tâm Khuyến công và Tư vấn phát triển công nghiệp Hà Nội",
    "Trung tâm Sản xuất sạch Việt Nam",
]
VENUES = [
    "Hội trường Sở Công Thương, 331 Cầu Giấy",
    "Trung tâm Khuyến công Hà Nội",
    "Hội trường UBND quận/huyện",
    "Khách sạn Thắng Lợi, Tây Hồ",
]
OFFICER_COURSES = [
    (
        "Tập huấn nghiệp vụ sản xuất sạch hơn cho cán bộ quản lý",
        "Phương pháp luận đánh giá SXSH; vai trò của cán bộ quận, huyện",
    ),
    (
        "Bồi dưỡng kiến thức sản xuất sạch hơn trong công nghiệp",
        "Chiến lược 1419/QĐ-TTg; kế hoạch hành động của thành phố",
    ),
    (
        "Tập huấn hướng dẫn doanh nghiệp đánh giá sản xuất sạch hơn",
        "Sáu bước đánh giá SXSH; kiểm tra, xác nhận tiết kiệm",
    ),
]
AWARENESS_COURSES = [
    ("Hội thảo nâng cao nhận thức về sản xuất sạch hơn", "Lợi ích của SXSH; quản lý nội vi; tiết kiệm năng lượng"),
    ("Hội nghị phổ biến sản xuất sạch hơn cho doanh nghiệp", "Hỗ trợ của thành phố; chia sẻ kinh nghiệm doanh nghiệp"),
]
WORKSHOPS = [
    ("Hội thảo kỹ thuật: tiết kiệm năng lượng trong lò hơi", "Hiệu suất lò hơi; thu hồi nhiệt"),
    ("Hội thảo kỹ thuật: tuần hoàn nước trong dệt nhuộm", "Tái sử dụng nước; xử lý nước thải"),
    ("Hội thảo kỹ thuật: khí nén và động cơ hiệu suất cao", "Rò rỉ khí nén; biến tần"),
]


def _day(rng, year: int, first_month: int = 1, last_month: int = 12) -> dt.date:
    month = rng.randint(first_month, last_month)
    return dt.date(year, month, rng.randint(1, 28))


def _officer(rng, ctx: DemoContext, office: District | Commune, start: dt.date, name: str | None = None) -> Officer:
    """An officer of a district office (before 1/7/2025) or of a commune's office (from then)."""
    full_name = name or rng.choice(ctx.people)
    return Officer(
        full_name=full_name,
        name_key=fold(full_name),
        district=office if isinstance(office, District) else None,
        commune=office if isinstance(office, Commune) else None,
        position=rng.choice(POSITIONS),
        phone=f"09{rng.randint(10000000, 99999999)}",
        email=f"{fold(full_name).replace(' ', '.')}.{office.code}@hanoi.gov.vn",
        tenure_start=start,
    )


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    today = timezone.localdate()
    first = ctx.first_year
    districts = list(District.objects.filter(active=True).order_by("code"))
    communes = list(Commune.objects.filter(valid_until__isnull=True).order_by("code"))
    accounts = {
        u.commune_id: u for u in User.objects.filter(role=Role.OFFICER, commune__isnull=False).order_by("username")
    }
    last_district_day = min(REFORM_DATE - dt.timedelta(days=1), today)

    # --- Officers and their turnover ---------------------------------------------------------
    officers: list[Officer] = []
    for district in districts:
        officers.extend(
            _officer(rng, ctx, district, _day(rng, first - rng.randint(1, 8)))
            for _i in range(rng.choice([1, 2, 2, 3, 3, 4]))
        )
    # Some districts lose staff faster and wait longer for replacements.
    unsettled = set(rng.sample([d.pk for d in districts], k=max(1, len(districts) // 5)))
    for year in ctx.years:
        for officer in list(officers):
            if officer.tenure_end is not None or officer.tenure_start.year >= year:
                continue
            leave_rate = 0.3 if officer.district_id in unsettled else 0.12
            if rng.random() >= leave_rate:
                continue
            officer.tenure_end = min(_day(rng, year), last_district_day)
            if rng.random() < (0.6 if officer.district_id in unsettled else 0.9):
                start = officer.tenure_end + dt.timedelta(days=rng.randint(1, 150))
                if start <= last_district_day:  # no appointment to a district office after 30/6/2025
                    district = next(d for d in districts if d.pk == officer.district_id)
                    officers.append(_officer(rng, ctx, district, start))
    if today >= REFORM_DATE:
        # The district offices ended on 30/6/2025, and their officers' records with them.
        for officer in officers:
            if officer.tenure_end is None or officer.tenure_end >= REFORM_DATE:
                officer.tenure_end = REFORM_DATE - dt.timedelta(days=1)
        # From 1/7/2025 every commune's office has its officers, the portal account among them.
        for commune in communes:
            account = accounts.get(commune.pk)
            if account is not None:
                officer = _officer(rng, ctx, commune, REFORM_DATE, name=account.full_name)
                officer.user, officer.email = account, account.email
                officers.append(officer)
            for _i in range(rng.choice([0, 1, 1, 2])):
                start = min(REFORM_DATE + dt.timedelta(days=rng.randint(0, 90)), today)
                officers.append(_officer(rng, ctx, commune, start))
    bulk_insert(Officer, officers)

    # --- Courses -----------------------------------------------------------------------------
    awareness_per_year = max(2, ctx.enterprises // 150)
    courses: list[Course] = []
    for year in ctx.years:
        last_month = today.month if year == today.year else 12
        plan = [(CourseKind.OFFICER_TRAINING, OFFICER_COURSES, rng.randint(1, 3))]
        plan.append((CourseKind.ENTERPRISE_AWARENESS, AWARENESS_COURSES, awareness_per_year))
        plan.append((CourseKind.TECHNICAL_WORKSHOP, WORKSHOPS, rng.randint(1, 2)))
        for kind, titles, count in plan:
            for _i in range(count):
                title, topics = rng.choice(titles)
                start = _day(rng, year, 1, last_month)
                if start > today:
                    start = today
                days = 0 if kind == CourseKind.ENTERPRISE_AWARENESS else rng.choice([0, 1, 2])
                end = min(start + dt.timedelta(days=days), dt.date(year, 12, 31), today)
                # Officer training is mostly city-wide; awareness days are often held locally, by a
                # district office before 1/7/2025 and by a commune's office since.
                course_district: District | None = None
                course_commune: Commune | None = None
                local = (kind == CourseKind.ENTERPRISE_AWARENESS and rng.random() < 0.6) or (
                    kind == CourseKind.OFFICER_TRAINING and rng.random() < 0.2
                )
                if local and start < REFORM_DATE:
                    course_district = rng.choice(districts)
                elif local:
                    course_commune = rng.choice(communes)
                courses.append(
                    Course(
                        title=f"{title} năm {year}",
                        kind=kind,
                        start_date=start,
                        end_date=end,
                        hours=Decimal(8 * (days + 1)) if days < 2 else Decimal(20),
                        organiser=rng.choice(ORGANISERS),
                        venue=rng.choice(VENUES),
                        topics=topics,
                        district=course_district,
                        commune=course_commune,
                    )
                )
    courses.sort(key=lambda c: (c.start_date, c.title))
    bulk_insert(Course, courses)

    # --- Officer attendance ------------------------------------------------------------------
    attendances: list[Attendance] = []
    serial: dict[int, int] = {}
    for course in courses:
        if course.kind == CourseKind.ENTERPRISE_AWARENESS:
            continue
        present = [
            o
            for o in officers
            if o.tenure_start <= course.start_date
            and (o.tenure_end is None or o.tenure_end >= course.end_date)
            and (course.district_id is None or o.district_id == course.district_id)
            and (course.commune_id is None or o.commune_id == course.commune_id)
        ]
        # Unsettled districts seldom send anyone.
        share = 0.5 if course.kind == CourseKind.OFFICER_TRAINING else 0.25
        for officer in present:
            if rng.random() >= (share / 3 if officer.district_id in unsettled else share):
                continue
            passed = course.kind == CourseKind.OFFICER_TRAINING and rng.random() < 0.85
            certificate = ""
            if passed:
                year = course.start_date.year
                serial[year] = serial.get(year, 0) + 1
                certificate = f"SXSH-{year}-{serial[year]:04d}"
            attendances.append(
                Attendance(
                    officer=officer,
                    course=course,
                    attended=rng.random() < 0.97 or passed,
                    passed=passed,
                    certificate_number=certificate,
                )
            )
    bulk_insert(Attendance, attendances)

    # --- Enterprises at awareness courses ----------------------------------------------------
    by_district: dict[int, list[int]] = {}
    by_commune: dict[int, list[int]] = {}
    everyone: list[int] = []
    for pk, district_id, commune_id in (
        Enterprise.objects.filter(active=True).order_by("pk").values_list("pk", "district_id", "commune_id")
    ):
        by_district.setdefault(district_id, []).append(pk)
        by_commune.setdefault(commune_id, []).append(pk)
        everyone.append(pk)
    participations: list[EnterpriseParticipation] = []
    for course in courses:
        if course.kind == CourseKind.OFFICER_TRAINING:
            continue
        if course.district_id:
            pool = by_district.get(course.district_id, [])
        else:
            pool = by_commune.get(course.commune_id, []) if course.commune_id else everyone
        if not pool:
            continue
        wanted = rng.randint(10, 40) if course.kind == CourseKind.ENTERPRISE_AWARENESS else rng.randint(3, 12)
        participations.extend(
            EnterpriseParticipation(enterprise_id=enterprise_id, course=course, attendees=rng.randint(1, 4))
            for enterprise_id in rng.sample(pool, k=min(len(pool), wanted))
        )
    bulk_insert(EnterpriseParticipation, participations)
