"""Phase 2 of the enterprise import: each row checked against the database (lookups, existing
tax codes) and the user's scope."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Commune, CommuneOrigin, District, Enterprise, IndustrialZone, Sector
from ..text import fold

if TYPE_CHECKING:
    from accounts.models import User
from .cells import _code, _is_blank, _text, _whole_number, parse_yes_no
from .preview import ImportRow, RawRow, RowStatus
from .reading import column_label

# Model fields the import writes, and the spreadsheet column each one comes from.
FIELD_COLUMN = {
    "tax_code": "tax_code",
    "name": "name",
    "commune": "commune_code",
    "district": "district_code",
    "sector": "sector_code",
    "address": "address",
    "industrial_zone": "industrial_zone",
    "ownership": "ownership",
    "size": "size",
    "employees": "employees",
    "is_designated_energy_user": "is_designated_energy_user",
    "contact_name": "contact_name",
    "contact_position": "contact_position",
    "contact_phone": "contact_phone",
    "contact_email": "contact_email",
    "active": "active",
}
TEXT_KEYS = ("name", "address", "contact_name", "contact_position", "contact_phone", "contact_email")
BOOLEAN_KEYS = ("is_designated_energy_user", "active")


def _choice_aliases(choices: type[Enterprise.Ownership] | type[Enterprise.Size]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for value, label in choices.choices:
        aliases[fold(value)] = value
        for language in ("vi", "en"):
            with translation.override(language):
                aliases[fold(str(label))] = value
    return aliases


def _chunks(items: list[str], size: int = 2000) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Lookups:
    districts: dict[str, District]
    communes: dict[str, Commune]
    commune_districts: dict[int, set[int]]
    sectors: dict[str, Sector]
    zones: dict[str, IndustrialZone]
    ownership: dict[str, str]
    size: dict[str, str]
    existing: dict[str, Enterprise]
    visible_ids: set[int]

    @classmethod
    def load(cls) -> _Lookups:
        """The reference tables, loaded once per import; no enterprise yet (``for_codes``)."""
        return cls(
            districts={d.code: d for d in District.objects.all()},
            communes={c.code: c for c in Commune.objects.in_force(timezone.localdate())},
            commune_districts=_commune_districts(),
            sectors={s.code: s for s in Sector.objects.filter(parent=None)},
            zones={fold(z.name): z for z in IndustrialZone.objects.all()},
            ownership=_choice_aliases(Enterprise.Ownership),
            size=_choice_aliases(Enterprise.Size),
            existing={},
            visible_ids=set(),
        )

    def for_codes(self, tax_codes: list[str], *, user: User, lock: bool) -> _Lookups:
        """The same reference tables with the existing enterprises of ``tax_codes`` (one batch of
        rows), locked when applying."""
        existing: dict[str, Enterprise] = {}
        visible_ids: set[int] = set()
        queryset = Enterprise.objects.order_by("pk")
        if lock:
            queryset = queryset.select_for_update()
        for chunk in _chunks(tax_codes):
            existing.update((e.tax_code, e) for e in queryset.filter(tax_code__in=chunk))
            visible_ids.update(
                Enterprise.objects.visible_to(user).filter(tax_code__in=chunk).values_list("pk", flat=True)
            )
        return replace(self, existing=existing, visible_ids=visible_ids)


def _model_field(name: str) -> models.Field:
    field = Enterprise._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 - a concrete field, never a reverse relation
    return field


def _field_values(enterprise: Enterprise, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(enterprise, _model_field(name).attname) for name in fields}


def validate_row(raw: RawRow, tax_code: str, tax_errors: list[str], *, user: User, lookups: _Lookups) -> ImportRow:
    values = raw.values
    name = _text(values.get("name"))
    errors = list(tax_errors)
    existing = lookups.existing.get(tax_code) if not tax_errors else None
    if existing is not None and existing.pk not in lookups.visible_ids:
        # Never say more (which district, which name) about an enterprise the user cannot see.
        return ImportRow(
            raw.number,
            RowStatus.ERROR,
            tax_code,
            name,
            [_("This tax code is already registered outside your scope.")],
        )

    present = [f for f, key in FIELD_COLUMN.items() if key in values and f != "tax_code"]
    data: dict[str, Any] = {}
    bad: set[str] = set()

    def fail(field_name: str, message: str) -> None:
        bad.add(field_name)
        errors.append(f"{column_label(FIELD_COLUMN[field_name])}: {message}")

    required_msg = _("a value is required.")
    for key in TEXT_KEYS:
        if key in values:
            data[key] = _text(values[key])
            if "\x00" in data[key]:  # PostgreSQL cannot store it; a file never holds it, a caller might
                fail(key, _("contains a character that cannot be stored (NUL)."))

    _locate(values, data, fail, user=user, lookups=lookups, existing=existing)

    code = _code(values.get("sector_code"), 2)
    if not code:
        fail("sector", required_msg)
    elif code not in lookups.sectors:
        fail("sector", _("unknown VSIC division code “%(code)s”.") % {"code": code})
    else:
        data["sector"] = lookups.sectors[code]

    if "industrial_zone" in values:
        zone_name = _text(values["industrial_zone"])
        zone = lookups.zones.get(fold(zone_name)) if zone_name else None
        if zone_name and zone is None:
            fail("industrial_zone", _("unknown industrial zone or cluster “%(name)s”.") % {"name": zone_name})
        elif (
            zone is not None
            and "commune" in data
            and zone.district_id not in lookups.commune_districts.get(data["commune"].pk, set())
        ):
            fail("industrial_zone", _("this industrial zone is not in the commune or ward."))
        else:
            data["industrial_zone"] = zone

    for key, aliases in (("ownership", lookups.ownership), ("size", lookups.size)):
        text = _text(values.get(key))
        if not text:
            fail(key, required_msg)
        elif fold(text) not in aliases:
            fail(key, _("“%(value)s” is not one of the allowed values.") % {"value": text})
        else:
            data[key] = aliases[fold(text)]

    raw_employees = values.get("employees")
    if _is_blank(raw_employees):
        fail("employees", required_msg)
    else:
        try:
            data["employees"] = _whole_number(raw_employees)
        except ValueError:
            fail("employees", _("must be a whole number, zero or more."))

    for key in BOOLEAN_KEYS:
        if key not in values or _is_blank(values[key]):
            continue  # left blank: the default for a new enterprise, unchanged for an existing one
        try:
            data[key] = parse_yes_no(values[key])
        except ValueError:
            fail(key, _("write Yes or No."))

    enterprise = existing if existing is not None else Enterprise(tax_code=tax_code)
    before = _field_values(enterprise, present) if existing is not None else {}
    for name_, value in data.items():
        setattr(enterprise, name_, value)
    if "active" in data:  # "No" closes the enterprise today (if not closed already); "Yes" reopens it
        if not data["active"] and enterprise.closed_on is None:
            enterprise.closed_on = timezone.localdate()
        elif data["active"]:
            enterprise.closed_on = None
    exclude = ["tax_code", "commune", "district", "sector", "industrial_zone", *bad]  # already checked above
    try:
        enterprise.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            column = FIELD_COLUMN.get(field_name)
            prefix = f"{column_label(column)}: " if column else ""
            errors.extend(f"{prefix}{message}" for message in messages)

    if errors:
        return ImportRow(raw.number, RowStatus.ERROR, tax_code, name, errors)
    if existing is not None:
        changed = _field_values(enterprise, present) != before
        return ImportRow(raw.number, RowStatus.UPDATED, tax_code, name, changed=changed, instance=enterprise)
    return ImportRow(raw.number, RowStatus.NEW, tax_code, name, instance=enterprise)


def _locate(values: dict, data: dict, fail, *, user: User, lookups: _Lookups, existing: Enterprise | None) -> None:
    """The commune (and former district, history) of a row. The commune code when given; for an
    officer, their own commune when left blank; for DOIT, an enterprise of a list from before
    1/7/2025 (a former district code and no commune) is kept without a commune and appears in
    the re-homing worklist. A former district must be one the commune was formed from."""
    code = _code(values.get("commune_code"), 5)
    commune = None
    if code and code not in lookups.communes:
        fail("commune", _("unknown commune or ward code “%(code)s”.") % {"code": code})
        return
    if code:
        commune = lookups.communes[code]
    elif user.scope.is_unit:
        commune = next((c for c in lookups.communes.values() if c.pk == user.scope.commune_id), None)
    if commune is not None:
        if not user.scope.covers_commune(commune.pk):
            fail("commune", _("you can only import enterprises of your own commune or ward."))
            return
        data["commune"] = commune
    code = _code(values.get("district_code"), 3)  # the former district: history, optional
    if code and code not in lookups.districts:
        fail("district", _("unknown district code “%(code)s”.") % {"code": code})
    elif code:
        district = lookups.districts[code]
        if commune is not None and district.pk not in lookups.commune_districts.get(commune.pk, set()):
            fail(
                "district",
                _("the commune or ward %(commune)s was not formed from the former district %(district)s.")
                % {"commune": commune.full_name, "district": district.full_name},
            )
            return
        data["district"] = district
    if "commune" not in data and "district" not in data and (existing is None or existing.commune_id is None):
        fail("commune", _("a value is required."))


def _commune_districts() -> dict[int, set[int]]:
    """Each commune's former districts (one query over the crosswalk)."""
    result: dict[int, set[int]] = defaultdict(set)
    for commune_id, district_id in CommuneOrigin.objects.values_list("commune_id", "district_id"):
        result[commune_id].add(district_id)
    return result
