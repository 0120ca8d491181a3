"""manage.py import_enterprises PATH [--dry-run] [--user USERNAME]

The web import's checks and writes from the command line: every row or none. Without --user the
import acts with city-wide scope, as an administrator would (history records then name no user).
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from enterprises import imports


class Command(BaseCommand):
    help = "Import enterprises from an .xlsx laid out like the enterprise export (all rows or none)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--user", help="act as this user, within their scope (default: city-wide)")

    def handle(self, *args, path: str, dry_run: bool, user: str | None, **options) -> None:
        actor = self._actor(user)
        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            with file_path.open("rb") as f:
                preview = imports.parse_enterprise_workbook(f, user=actor)
                self._summary(preview)
                if not preview.ok:
                    raise CommandError(
                        _("%(count)s rows have errors; nothing was imported.") % {"count": preview.error_count}
                    )
                if dry_run:
                    self.stdout.write(_("Dry run: nothing was written."))
                    return
                result = imports.apply_enterprise_import(preview=preview, by=actor)
        except imports.ImportRowsError as exc:
            self._summary(exc.preview)
            raise CommandError(str(exc)) from exc
        except imports.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Import done: %(created)s new enterprises, %(updated)s updated, %(unchanged)s unchanged.")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
            )
        )

    def _actor(self, username: str | None):
        User = get_user_model()  # noqa: N806
        if username is None:
            # Not saved: an administrator's scope and permissions for this run only.
            return User(username="import_enterprises", is_superuser=True, is_active=True)
        try:
            actor = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(_("No active user %(username)s.") % {"username": username}) from exc
        if not actor.has_perm("enterprises.import_enterprise"):
            raise CommandError(_("User %(username)s may not import enterprises.") % {"username": username})
        return actor

    def _summary(self, preview: imports.ImportPreview) -> None:
        self.stdout.write(
            _(
                "%(total)s rows: %(new)s new, %(updated)s updated (%(unchanged)s without changes), "
                "%(errors)s with errors."
            )
            % {
                "total": preview.total,
                "new": preview.new_count,
                "updated": preview.updated_count,
                "unchanged": preview.unchanged_count,
                "errors": preview.error_count,
            }
        )
        for row in preview.error_rows:
            self.stdout.write(_("Row %(number)s: %(errors)s") % {"number": row.number, "errors": " ".join(row.errors)})
