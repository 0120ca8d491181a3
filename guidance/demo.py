"""Demo data of the guidance app: the sector statistics of the seeded verified results (the
library's documents are real and come with the migrations)."""

from __future__ import annotations

from typing import Any

from .services import sector_statistics_refresh


def seed(ctx: Any) -> None:
    sector_statistics_refresh()
