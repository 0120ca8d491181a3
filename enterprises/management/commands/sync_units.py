"""manage.py sync_units FILE [--apply] [--effective DD/MM/YYYY]

Compares an official list of Hanoi's commune-level units (the statistics office's CSV or XLSX,
or the reference file enterprises/data/hanoi_communes_2025.csv) with the communes in the
database, prints every unit added, renamed or ended, and with --apply records those changes,
dated, so that the next change of units is a file and a command.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises import units


def _date(value: str) -> dt.date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 -- a calendar date
        except ValueError:
            continue
    raise CommandError(_("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": value})


class Command(BaseCommand):
    help = "Compare an official list of commune-level units with the database; --apply records the changes."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the official list (.csv or .xlsx)")
        parser.add_argument("--apply", action="store_true", help="record the changes (default: report only)")
        parser.add_argument("--effective", help="the date the list takes effect, dd/mm/yyyy (default: today)")

    def handle(self, *args, file: str, apply: bool, effective: str | None, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        on = _date(effective) if effective else timezone.localdate()
        try:
            listed = units.read_units(path)
        except units.UnitFileError as exc:
            raise CommandError(str(exc)) from exc
        diff = units.compare_units(listed, on)
        for unit in diff.added:
            self.stdout.write(_("added: %(code)s %(name)s") % {"code": unit.code, "name": unit.name})
        for commune, unit in diff.renamed:
            self.stdout.write(
                _("renamed: %(code)s %(old)s → %(new)s") % {"code": unit.code, "old": commune.name, "new": unit.name}
            )
        for commune in diff.ended:
            self.stdout.write(_("ended: %(code)s %(name)s") % {"code": commune.code, "name": commune.name})
        self.stdout.write(
            _("%(listed)s units listed: %(added)s added, %(renamed)s renamed, %(ended)s ended, %(same)s unchanged.")
            % {
                "listed": len(listed),
                "added": len(diff.added),
                "renamed": len(diff.renamed),
                "ended": len(diff.ended),
                "same": diff.unchanged,
            }
        )
        if not apply:
            if diff.changed:
                self.stdout.write(_("Nothing was recorded; run again with --apply to record these changes."))
            return
        recorded = units.units_apply(diff=diff, effective=on, source=path.name)
        self.stdout.write(
            _("%(count)s changes recorded, effective %(date)s.")
            % {"count": len(recorded), "date": on.strftime("%d/%m/%Y")}
        )
