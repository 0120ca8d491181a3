"""Shared state for ``manage.py seed_demo``: every app's ``demo.seed(ctx)`` draws from one
seeded random generator, so the same arguments always build the same data."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Phan",
]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Thanh", "Ngọc", "Hữu", "Hải", "Xuân", "Kim"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hòa",
    "Hùng",
    "Hương",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Thảo",
    "Trang",
    "Tuấn",
    "Việt",
    "Yến",
]

# Demo accounts share one password; the command prints it with the logins.
DEMO_PASSWORD = "SxshDemo@2026"  # noqa: S105 - demo data only, printed for the newcomer


def person_names(rng: random.Random, count: int) -> list[str]:
    return [f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}" for _ in range(count)]


@dataclass
class DemoContext:
    seed: int
    enterprises: int
    first_year: int
    last_year: int
    rng: random.Random = field(init=False)
    people: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.people = person_names(self.rng, 500)

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)
