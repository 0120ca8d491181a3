"""manage.py seed_demo [--enterprises N] [--years A-B] [--seed S]

Deterministic, realistic demo data. Each app contributes through ``<app>.demo.seed(ctx)``,
called in dependency order; apps without a demo module are skipped.
"""

from __future__ import annotations

import importlib
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_logins
from cleanprod.demo import DEMO_PASSWORD, DemoContext
from enterprises.models import Enterprise
from enterprises.signals import bulk_changed
from reporting.dashboard import schedule_fill

SEEDERS = ["enterprises", "accounts", "training", "assessments", "reporting", "guidance"]


def parse_years(value: str) -> tuple[int, int]:
    try:
        first, _, last = value.partition("-")
        a, b = int(first), int(last or first)
    except ValueError as exc:
        raise CommandError("--years takes A-B, e.g. 2019-2025") from exc
    if not 2000 <= a <= b <= 2100:
        raise CommandError("--years takes A-B with 2000 <= A <= B <= 2100")
    return a, b


class Command(BaseCommand):
    help = "Fill the database with deterministic demo data and print the demo logins."

    def add_arguments(self, parser) -> None:
        this_year = timezone.localdate().year
        parser.add_argument("--enterprises", type=int, default=400)
        parser.add_argument("--years", default=f"{this_year - 5}-{this_year - 1}")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (but print the logins) when enterprises exist already."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run although debug is off (only on a throw-away demonstration server).",
        )

    def handle(self, *args, **options) -> None:
        if not (settings.SEED_DEMO_ALLOWED or options["allow_production"]):
            raise CommandError(
                "seed_demo creates accounts whose passwords (and the DOIT account's authenticator key) are "
                "published in the README, so anyone could sign in as DOIT. Debug is off, so this looks like a "
                "production database: nothing was created. On a throw-away demonstration server, run it again "
                "with --allow-production."
            )
        first, last = parse_years(options["years"])
        if options["enterprises"] < 1:
            raise CommandError("--enterprises must be at least 1")
        if Enterprise.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data already present; nothing added.")
                self.print_logins()
                return
            raise CommandError("The database already holds enterprises; seed_demo fills an empty one.")
        ctx = DemoContext(seed=options["seed"], enterprises=options["enterprises"], first_year=first, last_year=last)
        started = time.monotonic()
        with transaction.atomic():
            for app in SEEDERS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                t0 = time.monotonic()
                module.seed(ctx)
                self.stdout.write(f"  {app}: {time.monotonic() - t0:.1f} s")
            # Bulk inserts send no post_save: say that the data changed (cached dashboards refresh).
            bulk_changed.send(sender=Enterprise)
        # The dashboards' figures are computed by a worker, not by the first person to open them.
        if schedule_fill():
            self.stdout.write("  dashboards: figures queued for the workers")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {ctx.enterprises} enterprises, years {first}-{last}, seed {ctx.seed} "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for username, description in demo_logins():
            self.stdout.write(f"  {username:<22} {description}")
