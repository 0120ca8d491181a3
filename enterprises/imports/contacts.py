"""The CP contacts sheet of an enterprise import (laid out like the export's "CP contacts" sheet).

Read when the import is applied, in its transaction: each row names an enterprise by its tax code
(of the file, or already registered, and in the user's scope), a role (its label in Vietnamese or
English, or its code), a full name and the day the person took the role; phone, e-mail and the day
they left are optional. A contact already recorded (same enterprise, role, name and start) is
updated, not added again. Any row in error stops the whole import: nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.scope import Scope

from ..models import Contact, Enterprise
from ..spreadsheet import CONTACT_COLUMNS
from ..text import fold
from .cells import _is_blank, _text
from .errors import ImportFileError

if TYPE_CHECKING:
    from accounts.models import User

MAX_CONTACT_ROWS = 20_000
MAX_ERRORS_SHOWN = 5


def _labels(pairs) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for key, label in pairs:
        aliases[fold(key)] = key
        aliases[fold(key.replace("_", " "))] = key
        for language in ("vi", "en"):
            with translation.override(language):
                aliases[fold(str(label))] = key
    return aliases


def _sheet_titles() -> set[str]:
    titles = set()
    for language in ("vi", "en"):
        with translation.override(language):
            titles.add(fold(_("CP contacts")))
    return titles


def _date(value: Any) -> dt.date | None:
    if _is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(text)


def import_contacts(file: IO[bytes], *, by: User) -> int:
    """Write the contacts sheet of ``file`` if it has one; the number of contacts added or updated."""
    from openpyxl import load_workbook

    file.seek(0)
    workbook = load_workbook(file, read_only=True, data_only=True)
    try:
        titles = _sheet_titles()
        sheet = next((ws for ws in workbook.worksheets[1:] if fold(ws.title) in titles), None)
        if sheet is None:
            return 0
        return _write(sheet.iter_rows(values_only=True), by)
    finally:
        workbook.close()


def _write(rows, by: User) -> int:
    columns = _labels(CONTACT_COLUMNS)
    roles = _labels(Contact.Role.choices)
    scope = Scope.of(by)
    header: dict[int, str] | None = None
    errors: list[str] = []
    written = 0
    enterprises: dict[str, Enterprise | None] = {}
    for number, values in enumerate(rows, start=1):
        if number > MAX_CONTACT_ROWS + 1:
            raise ImportFileError(_("The contacts sheet has too many rows."))
        if all(_is_blank(v) for v in values):
            continue
        if header is None:
            header = {i: columns[fold(_text(v))] for i, v in enumerate(values) if fold(_text(v)) in columns}
            if not {"tax_code", "role", "full_name", "held_from"} <= set(header.values()):
                raise ImportFileError(
                    _("The contacts sheet needs the columns tax code, role, full name and held from.")
                )
            continue
        row = {key: values[i] if i < len(values) else None for i, key in header.items()}
        tax_code = _text(row.get("tax_code"))
        if tax_code not in enterprises:
            enterprises[tax_code] = scope.enterprises(Enterprise.objects.filter(tax_code=tax_code)).first()
        enterprise = enterprises[tax_code]
        role = roles.get(fold(_text(row.get("role"))))
        try:
            held_from, held_until = _date(row.get("held_from")), _date(row.get("held_until"))
        except ValueError:
            errors.append(_("Contacts row %(row)s: a date is not a day (dd/mm/yyyy).") % {"row": number})
            continue
        if enterprise is None:
            errors.append(
                _("Contacts row %(row)s: no enterprise with tax code %(code)s in your area.")
                % {"row": number, "code": tax_code or "–"}
            )
            continue
        if role is None:
            errors.append(_("Contacts row %(row)s: unknown role.") % {"row": number})
            continue
        if held_from is None:
            errors.append(_("Contacts row %(row)s: a date is not a day (dd/mm/yyyy).") % {"row": number})
            continue
        full_name = _text(row.get("full_name"))
        contact = Contact.objects.filter(
            enterprise=enterprise, role=role, full_name=full_name, held_from=held_from
        ).first() or Contact(enterprise=enterprise, role=role, full_name=full_name, held_from=held_from)
        contact.phone = _text(row.get("phone"))
        contact.email = _text(row.get("email"))
        contact.held_until = held_until
        try:
            contact.full_clean()
        except ValidationError as exc:
            problems = "; ".join(str(m) for messages in exc.message_dict.values() for m in messages)
            errors.append(_("Contacts row %(row)s: %(problems)s") % {"row": number, "problems": problems})
            continue
        contact.save()
        written += 1
    if errors:
        shown = " ".join(errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        if more > 0:
            shown += " " + _("(%(count)s more errors)") % {"count": more}
        raise ImportFileError(_("Nothing was imported. %(errors)s") % {"errors": shown})
    return written
