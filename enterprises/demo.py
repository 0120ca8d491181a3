"""Demo enterprises for ``seed_demo``: deterministic, Vietnamese names by sector, valid tax codes,
true to the dates of the reform of 1/7/2025. Most were registered before it: their address names
the former ward and district ("…, phường Hàng Bài, Quận Hoàn Kiếm, Hà Nội"), their former
district is kept, and nearly all have been re-homed to the commune formed from that ward (a few
are left in the re-homing worklist). Those registered after it have an address in the new form
("…, Phường Cửa Nam, Hà Nội"), a commune and no district. Bulk inserts (COPY on PostgreSQL), so
national-scale sets build quickly."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.utils import timezone

from cleanprod.demo import bulk_insert

from .models import REFORM_DATE, Commune, CommuneOrigin, District, Enterprise, IndustrialZone, Sector, size_for
from .validators import tax_code_check_digit

if TYPE_CHECKING:
    from cleanprod.demo import DemoContext

# What a company of each VSIC division typically calls itself.
SECTOR_WORDS = {
    "10": ["Thực phẩm", "Chế biến nông sản", "Bánh kẹo", "Sữa", "Chế biến thịt"],
    "11": ["Bia", "Nước giải khát", "Đồ uống"],
    "12": ["Thuốc lá"],
    "13": ["Dệt", "Sợi", "Dệt nhuộm"],
    "14": ["May mặc", "May", "Thời trang"],
    "15": ["Da giầy", "Thuộc da", "Giày dép"],
    "16": ["Chế biến gỗ", "Mây tre đan", "Gỗ"],
    "17": ["Giấy", "Bao bì giấy"],
    "18": ["In", "In ấn bao bì"],
    "19": ["Than cốc", "Hóa dầu"],
    "20": ["Hóa chất", "Sơn", "Phân bón"],
    "21": ["Dược phẩm", "Dược liệu"],
    "22": ["Nhựa", "Cao su", "Bao bì nhựa"],
    "23": ["Gạch ngói", "Vật liệu xây dựng", "Gốm sứ", "Thủy tinh"],
    "24": ["Luyện kim", "Thép", "Đúc kim loại"],
    "25": ["Cơ khí", "Kết cấu thép", "Mạ kim loại"],
    "26": ["Điện tử", "Linh kiện điện tử"],
    "27": ["Thiết bị điện", "Dây cáp điện", "Pin ắc quy"],
    "28": ["Chế tạo máy", "Máy nông nghiệp"],
    "29": ["Phụ tùng ô tô", "Ô tô"],
    "30": ["Xe đạp", "Phương tiện vận tải"],
    "31": ["Nội thất", "Đồ gỗ nội thất"],
    "32": ["Đồ chơi", "Dụng cụ thể thao", "Trang sức"],
    "33": ["Sửa chữa máy", "Lắp đặt thiết bị"],
}
BRANDS = [
    "Hưng Thịnh",
    "Phú Gia",
    "An Phát",
    "Minh Long",
    "Thành Công",
    "Hòa Bình",
    "Việt Hưng",
    "Đại Dương",
    "Sao Mai",
    "Hồng Hà",
    "Thăng Long",
    "Tân Tiến",
    "Bình Minh",
    "Quang Trung",
    "Đông Đô",
    "Kinh Bắc",
    "Trường Sơn",
    "Phương Nam",
    "Hà Thành",
    "Tiến Đạt",
    "Nam Việt",
    "Đức Thành",
    "Toàn Cầu",
    "Hải Nam",
    "Ngọc Khánh",
    "Vạn Xuân",
    "Thành Đạt",
    "Phúc Lộc",
    "Hoàng Long",
    "Lạc Hồng",
]
FORMS = ["Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Hợp tác xã"]
STREETS = [
    "đường Nguyễn Trãi",
    "đường Giải Phóng",
    "đường Láng",
    "phố Minh Khai",
    "đường Phạm Văn Đồng",
    "đường Nguyễn Văn Cừ",
    "đường Quang Trung",
    "đường Lê Trọng Tấn",
    "đường Trần Phú",
    "phố Chùa Bộc",
    "đường Ngọc Hồi",
    "đường Võ Nguyên Giáp",
    "đường Hồ Tùng Mậu",
    "đường Cầu Giấy",
    "phố Tây Sơn",
]
# Hanoi's main industrial zones, with the district each lies in (GSO code).
INDUSTRIAL_ZONES = [
    ("KCN Thăng Long", "017"),
    ("KCN Nội Bài", "016"),
    ("KCN Bắc Thăng Long", "017"),
    ("KCN Quang Minh", "250"),
    ("KCN Sài Đồng B", "004"),
    ("KCN Nam Thăng Long", "021"),
    ("KCN Thạch Thất - Quốc Oai", "276"),
    ("KCN Phú Nghĩa", "277"),
    ("KCN Hà Nội - Đài Tư", "004"),
    ("CCN Ngọc Hồi", "020"),
    ("CCN Phú Minh", "021"),
    ("CCN Vân Nội", "017"),
]


def tax_codes(rng, count: int, start: int = 1_000_000):
    """Unique valid Hanoi tax codes (province prefix 01), deterministic for a given rng."""
    seq = start + rng.randrange(1000)
    produced = 0
    while produced < count:
        seq += 1 + rng.randrange(7)
        first_nine = f"01{seq:07d}"
        check = tax_code_check_digit(first_nine)
        if check is None:
            continue
        produced += 1
        yield f"{first_nine}{check}"


def _insert(batch: list[Enterprise]) -> None:
    """Bulk insert with a "created" history record each, so seeded enterprises have a history."""
    bulk_insert(Enterprise, batch, history=True, reason="seed_demo")


REGISTERED_AFTER_REFORM = 0.08  # share of the enterprises registered since 1/7/2025
NOT_YET_REHOMED = 0.03  # share of the older ones still in the re-homing worklist


REGISTERED_BEFORE_PROGRAMME = 0.8  # share of the older ones on file before the first demo year
CLOSED = 0.04  # share of the enterprises closed since (a few in each year)


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def registry_dates(
    rng: random.Random, *, after_reform: bool, closed: bool, first_year: int, today: dt.date
) -> tuple[dt.date, dt.date | None]:
    """(registered on, closed on) of a demo enterprise: most were on file before the programme's
    first demo year, some joined during it, those with an address in the new form since the 2025
    reform; a closed one closed some time after it joined, on or before yesterday."""
    start = dt.date(first_year, 1, 1)
    if after_reform and today > REFORM_DATE:
        registered = _day_between(rng, REFORM_DATE, today - dt.timedelta(days=1))
    elif rng.random() < REGISTERED_BEFORE_PROGRAMME:
        registered = _day_between(rng, dt.date(first_year - 10, 1, 1), dt.date(first_year - 1, 12, 31))
    else:
        registered = _day_between(rng, start, min(REFORM_DATE - dt.timedelta(days=1), today - dt.timedelta(days=1)))
    closed_on = None
    if closed:
        last = today - dt.timedelta(days=1)
        closed_on = max(_day_between(rng, min(max(registered + dt.timedelta(days=180), start), last), last), registered)
    return registered, closed_on


def _origins() -> dict[int, list[CommuneOrigin]]:
    """Each commune's former units (the crosswalk), by commune id."""
    origins: dict[int, list[CommuneOrigin]] = {}
    for origin in CommuneOrigin.objects.select_related("district").order_by("pk"):
        origins.setdefault(origin.commune_id, []).append(origin)
    return origins


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    districts = list(District.objects.filter(active=True))
    by_code = {d.code: d for d in districts}
    communes = list(Commune.objects.filter(valid_until__isnull=True).order_by("code"))
    origins = _origins()
    zones = [
        IndustrialZone.objects.get_or_create(name=name, defaults={"district": by_code[code]})[0]
        for name, code in INDUSTRIAL_ZONES
    ]
    zones_by_district: dict[int, list[IndustrialZone]] = {}
    for each in zones:
        zones_by_district.setdefault(each.district_id, []).append(each)
    sectors = list(Sector.objects.filter(parent=None))
    # Industry is concentrated in the outer communes (the former rural districts) and zones.
    weights = [1 if c.kind == Commune.Kind.WARD else 3 for c in communes]
    batch: list[Enterprise] = []
    # Registration and closure dates from a generator of their own: the other demo data stay as
    # they were drawn before the registry had dates.
    dates_rng = random.Random(ctx.seed + 13)
    today = timezone.localdate()
    for tax_code in tax_codes(rng, ctx.enterprises):
        picked: Commune = rng.choices(communes, weights)[0]
        origin = rng.choice(origins[picked.pk])
        former: District = origin.district
        commune: Commune | None = picked
        district: District | None = former
        sector = rng.choice(sectors)
        employees = int(rng.lognormvariate(3.8, 1.1)) + 3
        zone: IndustrialZone | None = None
        if former.pk in zones_by_district and rng.random() < 0.5:
            zone = rng.choice(zones_by_district[former.pk])
        name = f"{rng.choice(FORMS)} {rng.choice(SECTOR_WORDS.get(sector.code, ['Sản xuất']))} {rng.choice(BRANDS)}"
        street = f"Số {rng.randint(1, 399)}, {rng.choice(STREETS)}"
        if rng.random() < REGISTERED_AFTER_REFORM:  # the address in the new form, no district
            address = f"{zone.name + ', ' if zone else street + ', '}{picked.full_name}, Hà Nội"
            district = None
        else:  # the address of its time; re-homed since, but for a few
            ward = f"{origin.old_kind} {origin.old_name}"
            address = f"{zone.name if zone else street}, {ward}, {former.full_name}, Hà Nội"
            if rng.random() < NOT_YET_REHOMED:
                commune = None
        contact = rng.choice(ctx.people)
        ownership = rng.choices([c for c, _ in Enterprise.Ownership.choices], [5, 75, 15, 5])[0]
        enterprise = Enterprise(
            tax_code=tax_code,
            name=name,
            commune=commune,
            district=district,
            sector=sector,
            address=address,
            industrial_zone=zone,
            ownership=ownership,
            size=size_for(employees),
            employees=employees,
            is_designated_energy_user=employees > 300 and rng.random() < 0.6,
            contact_name=contact,
            contact_position=rng.choice(["Giám đốc", "Phó Giám đốc", "Trưởng phòng Kỹ thuật", "Cán bộ môi trường"]),
            contact_phone=f"024{rng.randint(30000000, 39999999)}",
            contact_email=f"lienhe{tax_code}@example.vn",
            active=rng.random() > CLOSED,
            search_key=Enterprise.build_search_key(name, tax_code, address),
        )
        enterprise.registered_on, enterprise.closed_on = registry_dates(
            dates_rng,
            after_reform=district is None and commune is not None,
            closed=not enterprise.active,
            first_year=ctx.first_year,
            today=today,
        )
        batch.append(enterprise)
        if len(batch) >= 20_000:
            _insert(batch)
            batch.clear()
    _insert(batch)
