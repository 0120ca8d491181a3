"""manage.py build_report --year Y [--district CODE] --format pdf|xlsx --output PATH

Builds the yearly action-plan report synchronously with the same builder as the Celery task.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enterprises.models import District
from reporting.services import build_file, report_years


class Command(BaseCommand):
    help = "Build the yearly action-plan report (PDF or Excel) for the city or one district."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--district", help="GSO code of the district (3 digits); the whole city when omitted.")
        parser.add_argument("--format", choices=["pdf", "xlsx"], required=True, dest="fmt")
        parser.add_argument("--output", required=True, help="Path of the file to write.")

    def handle(self, *args, year: int, district: str | None, fmt: str, output: str, **options) -> None:
        years = report_years()
        if year not in years:
            raise CommandError(f"--year must lie between {years.start} and {years.stop - 1}")
        scope = None
        if district:
            scope = District.objects.filter(code=district).first()
            if scope is None:
                raise CommandError(f"No district with GSO code {district!r}")
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist")
        started = time.monotonic()
        partial = path.with_name(path.name + ".part")
        try:
            with open(partial, "wb") as stream:
                build_file(year=year, district=scope, fmt=fmt, stream=stream)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {path} ({path.stat().st_size:,} bytes) for {scope or 'Hanoi'} {year} "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
