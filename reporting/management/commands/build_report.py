"""manage.py build_report --year Y [--district CODE] --format pdf|xlsx|docx --output PATH
manage.py build_report --year Y --all-districts --by USERNAME [--format pdf|xlsx|both] [--wait]

The first form builds the yearly action-plan report synchronously with the same builder as the
Celery task. The second is the year-end batch: the city report and every active district's, as
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

from enterprises.models import District
from reporting.models import ReportJob
from reporting.services import build_file, report_request_all, report_years

FORMATS = {"pdf": ["pdf"], "xlsx": ["xlsx"], "docx": ["docx"], "both": ["pdf", "xlsx"]}


class Command(BaseCommand):
    help = "Build the yearly action-plan report (PDF, Excel or Word) for the city or one district, or all of them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--district", help="GSO code of the district (3 digits); the whole city when omitted.")
        parser.add_argument("--format", choices=sorted(FORMATS), required=True, dest="fmt")
        parser.add_argument("--output", help="Path of the file to write (one report).")
        parser.add_argument(
            "--all-districts",
            action="store_true",
            help="The year-end batch: queue the city report and every active district's as one Celery group.",
        )
        parser.add_argument("--by", help="Username of the DOIT user who requests the batch (--all-districts).")
        parser.add_argument("--wait", action="store_true", help="With --all-districts: wait until every job ends.")
        parser.add_argument("--timeout", type=int, default=3600, help="Seconds --wait waits at most.")

    def handle(self, *args, year: int, district: str | None, fmt: str, output: str | None, **options) -> None:
        years = report_years()
        if year not in years:
            raise CommandError(f"--year must lie between {years.start} and {years.stop - 1}")
        if options["all_districts"]:
            if district or output:
                raise CommandError("--all-districts builds every scope into report jobs: no --district or --output")
            self.batch(year, FORMATS[fmt], options["by"], wait=options["wait"], timeout=options["timeout"])
            return
        if fmt == "both":
            raise CommandError("--format both needs --all-districts; build one format per file")
        if not output:
            raise CommandError("--output is required")
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
