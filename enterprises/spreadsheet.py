"""The enterprise spreadsheet: one column layout shared by the export and the import."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cleanprod import spreadsheets

from .models import Contact, Enterprise, EnterpriseQuerySet

# (key, header). The import recognises a column by its header in Vietnamese or English.
COLUMNS = [
    ("tax_code", gettext_lazy("Tax code")),
    ("name", gettext_lazy("Enterprise name")),
    ("commune_code", gettext_lazy("Commune or ward code")),
    ("commune_name", gettext_lazy("Commune or ward")),
    ("district_code", gettext_lazy("Former district code")),
    ("district_name", gettext_lazy("Former district")),
    ("sector_code", gettext_lazy("VSIC code")),
    ("address", gettext_lazy("Address")),
    ("industrial_zone", gettext_lazy("Industrial zone or cluster")),
    ("ownership", gettext_lazy("Ownership")),
    ("size", gettext_lazy("Size")),
    ("employees", gettext_lazy("Employees")),
    ("is_designated_energy_user", gettext_lazy("Designated energy user")),
    ("contact_name", gettext_lazy("Contact person")),
    ("contact_position", gettext_lazy("Contact position")),
    ("contact_phone", gettext_lazy("Contact phone")),
    ("contact_email", gettext_lazy("Contact e-mail")),
    ("active", gettext_lazy("Active")),
]
WIDTHS = [14, 40, 10, 22, 10, 16, 10, 40, 24, 18, 10, 12, 12, 22, 18, 14, 26, 10]


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def enterprise_row(e: Enterprise) -> list:
    """One enterprise as a row of the spreadsheet, in the order of ``COLUMNS``."""
    return [
        e.tax_code,
        e.name,
        e.commune.code if e.commune else "",
        e.commune.full_name if e.commune else "",
        e.district.code if e.district else "",
        e.district.name if e.district else "",
        e.sector.code,
        e.address,
        e.industrial_zone.name if e.industrial_zone else "",
        e.get_ownership_display(),
        e.get_size_display(),
        e.employees,
        yes_no(e.is_designated_energy_user),
        e.contact_name,
        e.contact_position,
        e.contact_phone,
        e.contact_email,
        yes_no(e.active),
    ]


def _rows(queryset: EnterpriseQuerySet) -> Iterator[list]:
    for e in queryset.iterator(chunk_size=2000):
        yield enterprise_row(e)


def export_enterprises(queryset: EnterpriseQuerySet, stream: IO[bytes]) -> None:
    """Write the (already scoped and filtered) enterprises to ``stream`` as XLSX, streaming."""
    wb = spreadsheets.new_workbook()
    queryset = queryset.select_related("commune", "district", "sector", "industrial_zone")
    spreadsheets.write_table(
        wb,
        _("Enterprises"),
        [str(h) for _k, h in COLUMNS],
        _rows(queryset),
        widths=WIDTHS,
    )
    contacts = (
        Contact.objects.filter(enterprise__in=queryset.values("pk"))
        .select_related("enterprise")
        .order_by("enterprise__name", "enterprise_id", "held_until", "role", "-held_from", "pk")
    )
    spreadsheets.write_table(
        wb,
        _("CP contacts"),
        [str(h) for _k, h in CONTACT_COLUMNS],
        _contact_rows(contacts),
        widths=[14, 40, 22, 28, 14, 26, 12, 12],
        number_formats={6: "DD/MM/YYYY", 7: "DD/MM/YYYY"},
    )
    spreadsheets.save(wb, stream)


# The contacts sheet of the export, also read by the import (the same headers).
CONTACT_COLUMNS = [
    ("tax_code", gettext_lazy("Tax code")),
    ("enterprise", gettext_lazy("Enterprise name")),
    ("role", gettext_lazy("Role")),
    ("full_name", gettext_lazy("Full name")),
    ("phone", gettext_lazy("Phone")),
    ("email", gettext_lazy("E-mail")),
    ("held_from", gettext_lazy("Held from")),
    ("held_until", gettext_lazy("Held until")),
]


def _contact_rows(contacts) -> Iterator[list]:
    for c in contacts.iterator(chunk_size=2000):
        yield [
            c.enterprise.tax_code,
            c.enterprise.name,
            c.get_role_display(),
            c.full_name,
            c.phone,
            c.email,
            c.held_from,
            c.held_until,
        ]


__all__ = ["COLUMNS", "Enterprise", "export_enterprises"]
