"""manage.py build_report --year Y [--district CODE | --commune CODE | --former-district CODE]
    [--by USERNAME] --format pdf|xlsx|docx|lines --output PATH
manage.py build_report --year Y --all-districts --by USERNAME [--format pdf|xlsx|both] [--wait]

The first form builds the yearly action-plan report synchronously with the same builder as the
Celery task, for the city, a district (up to 2024), a commune or ward (from 2025) or a former
district (from 2025: the communes and wards formed from it); with --by the report must be in
that user's scope (an officer: their own commune). The second is the year-end batch: the city
report and the report of every unit in force at the year's end (districts up to 2024, communes
and wards from 2025), as
report jobs built by one Celery group (``reporting.services.report_request_all``), requested in
the name of a DOIT user; ``--wait`` waits for them and fails when one failed.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q

from enterprises.models import Commune, District
from reporting.models import ReportJob
from reporting.services import allowed_district, build_file, report_request_all, report_years

# ``lines``: the detailed data (the verified savings lines of the year and scope, an XLSX file).
FORMATS = {"pdf": ["pdf"], "xlsx": ["xlsx"], "docx": ["docx"], "lines": ["lines"], "both": ["pdf", "xlsx"]}


class Command(BaseCommand):
    help = "Build the yearly action-plan report (PDF, Excel or Word) for the city or one district, or all of them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True)
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--district", help="GSO code of the district (3 digits); the whole city when omitted.")
        scope.add_argument("--commune", help="GSO code of the commune or ward (5 digits), for 2025 and after.")
        scope.add_argument(
            "--former-district",
            help="GSO code of a former district (3 digits): from 2025, the communes and wards formed from it.",
        )
        parser.add_argument("--format", choices=sorted(FORMATS), required=True, dest="fmt")
        parser.add_argument("--output", help="Path of the file to write (one report).")
        parser.add_argument(
            "--all-districts",
            action="store_true",
            help="The year-end batch: queue the city report and every active district's as one Celery group.",
        )
        parser.add_argument(
            "--by",
            help="Username of the requester: a DOIT user for --all-districts; for one report, the report must be "
            "in their scope (an officer: their commune). Without it, one report is built with city-wide scope.",
        )
        parser.add_argument("--wait", action="store_true", help="With --all-districts: wait until every job ends.")
        parser.add_argument("--timeout", type=int, default=3600, help="Seconds --wait waits at most.")

    def handle(self, *args, year: int, district: str | None, fmt: str, output: str | None, **options) -> None:
        years = report_years()
        if year not in years:
            raise CommandError(f"--year must lie between {years.start} and {years.stop - 1}")
        commune, former = options.get("commune"), options.get("former_district")
        if options["all_districts"]:
            if district or commune or former or output:
                raise CommandError("--all-districts builds every scope into report jobs: no --district or --output")
            self.batch(year, FORMATS[fmt], options["by"], wait=options["wait"], timeout=options["timeout"])
            return
        if fmt == "both":
            raise CommandError("--format both needs --all-districts; build one format per file")
        if not output:
            raise CommandError("--output is required")
        scope = self.scope(year, district or former, commune, options.get("by"))
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

    def scope(self, year: int, district: str | None, commune: str | None, username: str | None):
        unit: District | Commune | None = None
        if district:
            unit = District.objects.filter(code=district).first()
            if unit is None:
                raise CommandError(f"No district with GSO code {district!r}")
        if commune:
            unit = Commune.objects.filter(code=commune).first()
            if unit is None:
                raise CommandError(f"No commune or ward with GSO code {commune!r}")
        if username:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}")
            try:
                unit = allowed_district(user, unit)
            except PermissionDenied as exc:
                raise CommandError(f"{username} may not request this report") from exc
        return unit

    def batch(self, year: int, formats: list[str], username: str | None, *, wait: bool, timeout: int) -> None:
        if not username:
            raise CommandError(
                "--all-districts needs --by USERNAME (a DOIT user: the jobs are requested in their name)"
            )
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}")
        started = time.monotonic()
        try:
            jobs = report_request_all(by=user, year=year, formats=formats)
        except PermissionDenied as exc:
            raise CommandError(f"{username} may not request the reports of every district") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        ids = [job.pk for job in jobs]
        self.stdout.write(f"Queued {len(ids)} report jobs for {year} (ids {min(ids)}–{max(ids)}).")
        if not wait:
            return
        finished = Q(status__in=[ReportJob.Status.DONE, ReportJob.Status.FAILED])
        counts: dict = {}
        while time.monotonic() - started < timeout:
            counts = ReportJob.objects.filter(pk__in=ids).aggregate(
                finished=Count("pk", filter=finished), failed=Count("pk", filter=Q(status=ReportJob.Status.FAILED))
            )
            if counts["finished"] == len(ids):
                break
            time.sleep(0.5)
        else:
            raise CommandError(f"{len(ids) - counts['finished']} of {len(ids)} jobs still unfinished after {timeout} s")
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} of {len(ids)} jobs failed")
        self.stdout.write(self.style.SUCCESS(f"All {len(ids)} report jobs done in {time.monotonic() - started:.1f} s."))
