"""The audit of user changes: the change records (django-simple-history) of every model users
write, merged newest first, with who, when, what and a field-by-field diff.

The page is read in a fixed number of queries whatever the size of the tables: one ``UNION ALL``
of the history tables' keys (date, kind, id) counts the matching changes and another slices
the page; then one query per kind on the page loads its records with the records before them
(for the diff), one per related model their labels, and one per linked model which of the
objects the viewer may open.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .history import reason_label
from .scope import Scope

PAGE_SIZE = 25
COUNT_LIMIT = 10_000  # changes counted (and paged through) at most; filters reach older ones
TEXT_LIMIT = 300  # characters of a long text value shown in a diff


@dataclass(frozen=True)
class Link:
    """Where a change is opened: the page of ``model`` found by following ``path`` (foreign keys)
    from the changed row (``()``: the row itself). Models without ``visible_to`` are opened by
    users with ``perm``; ``with_pk=False`` links to a list page."""

    model: str
    url_name: str
    path: tuple[str, ...] = ()
    perm: str | None = None
    with_pk: bool = True


@dataclass(frozen=True)
class AuditSource:
    """One tracked model. ``label_fks``: foreign keys its ``__str__`` reads."""

    key: str
    model_label: str
    link: Link | None = None
    label_fks: tuple[str, ...] = ()

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def history_model(self) -> type[models.Model]:
        return self.model.history.model  # type: ignore[attr-defined]

    @property
    def label(self) -> str:
        return str(capfirst(self.model._meta.verbose_name))


_ENTERPRISE = Link("enterprises.Enterprise", "enterprises:detail")
_ASSESSMENT = Link("assessments.Assessment", "assessments:detail")
_SAVINGS = Link("assessments.SavingsReport", "savings:detail")
_COURSE = Link("training.Course", "training:course_detail")
_PLAN = Link("reporting.ActionPlan", "reporting:plan_edit", perm="reporting.manage_plans")

# Every model users write. Each has ``history = HistoricalRecords(...)``; the test of this
# module checks that no model of the project is missing from here or from NOT_AUDITED.
SOURCES: tuple[AuditSource, ...] = (
    AuditSource("enterprise", "enterprises.Enterprise", _ENTERPRISE),
    AuditSource("assessment", "assessments.Assessment", _ASSESSMENT, ("enterprise",)),
    AuditSource(
        "baseline",
        "assessments.BaselineConsumption",
        Link(_ASSESSMENT.model, _ASSESSMENT.url_name, ("assessment",)),
        ("resource",),
    ),
    AuditSource("option", "assessments.CPOption", Link(_ASSESSMENT.model, _ASSESSMENT.url_name, ("assessment",))),
    AuditSource(
        "expected_saving",
        "assessments.OptionExpectedSaving",
        Link(_ASSESSMENT.model, _ASSESSMENT.url_name, ("option", "assessment")),
        ("resource",),
    ),
    AuditSource("savings_report", "assessments.SavingsReport", _SAVINGS, ("enterprise",)),
    AuditSource(
        "savings_line", "assessments.SavingsLine", Link(_SAVINGS.model, _SAVINGS.url_name, ("report",)), ("resource",)
    ),
    AuditSource("evidence", "assessments.Evidence", Link(_SAVINGS.model, _SAVINGS.url_name, ("report",))),
    AuditSource(
        "factor",
        "assessments.ResourceFactor",
        Link("assessments.ResourceFactor", "assessments:factors", perm="assessments.add_resourcefactor", with_pk=False),
        ("resource",),
    ),
    AuditSource("officer", "training.Officer", Link("training.Officer", "training:officer_detail")),
    AuditSource("course", "training.Course", _COURSE),
    AuditSource(
        "attendance",
        "training.Attendance",
        Link(_COURSE.model, _COURSE.url_name, ("course",)),
        ("officer", "course"),
    ),
    AuditSource(
        "participation",
        "training.EnterpriseParticipation",
        Link(_COURSE.model, _COURSE.url_name, ("course",)),
        ("enterprise", "course"),
    ),
    AuditSource("action_plan", "reporting.ActionPlan", _PLAN),
    AuditSource(
        "target",
        "reporting.Target",
        Link(_PLAN.model, _PLAN.url_name, ("plan",), perm=_PLAN.perm),
        ("indicator",),
    ),
    AuditSource(
        "indicator", "reporting.Indicator", Link("reporting.Indicator", "reporting:indicator_edit", perm=_PLAN.perm)
    ),
    AuditSource(
        "indicator_value",
        "reporting.IndicatorValue",
        Link("reporting.Indicator", "reporting:indicator_edit", ("indicator",), perm=_PLAN.perm),
        ("indicator",),
    ),
    AuditSource(
        "report_edition",
        "reporting.ReportEdition",
        Link("reporting.ReportEdition", "reporting:edition", perm="reporting.lock_year"),
        ("district",),
    ),
    AuditSource("contact", "enterprises.Contact", Link(_ENTERPRISE.model, _ENTERPRISE.url_name, ("enterprise",))),
    AuditSource(
        "programme_settings",
        "programme.ProgrammeSettings",
        Link("programme.ProgrammeSettings", "programme:settings", perm="programme.manage_settings", with_pk=False),
    ),
    AuditSource("library_document", "guidance.Document", Link("guidance.Document", "guidance:document")),
    AuditSource("user", "accounts.User", Link("accounts.User", "accounts:user_edit")),
    # Who was told of what, and when it was e-mailed (read marks are not kept).
    AuditSource("notification", "notifications.Notification", None, ("recipient",)),
)
SOURCES_BY_KEY = {source.key: source for source in SOURCES}

# Models of the project that are not in SOURCES, and why.
NOT_AUDITED: dict[str, str] = {
    "accounts.FormSubmission": "a technical record of a submitted form's token (one effect per click), kept a day",
    "enterprises.District": "reference data shipped by a data migration; changed in the admin only",
    "enterprises.Sector": "reference data (VSIC) shipped by a data migration",
    "enterprises.IndustrialZone": "reference data maintained in the admin",
    "enterprises.Commune": "reference data shipped by a data migration; its changes are UnitChange rows",
    "enterprises.CommuneOrigin": "reference data (the crosswalk of Resolution 1656) shipped by a data migration",
    "enterprises.UnitChange": "is itself the dated record of a change of units (sync_units)",
    "assessments.ResourceType": "reference data shipped by a data migration",
    "assessments.ReviewEvent": "is itself the record of a review transition (who, when, comment)",
    "reporting.ReportJob": "is itself the record of a report request (requester, timestamps)",
    "notifications.NotificationSettings": "a user's own choice of how often to be e-mailed",
    "reporting.ReportBatch": "is itself the record of a year-end batch request; its jobs hold the files",
    "periods.YearLock": "its lock and reopen events are recorded in YearLockEvent",
    "periods.YearLockEvent": "is itself the record of a lock or reopen (who, when, why)",
    "reporting.BatchFigures": "computed by the system for a year-end batch's report jobs",
    "reporting.YearSnapshot": "written by the system when a year is locked",
    "reporting.YearSnapshotLine": "written by the system when a year is locked",
    "reporting.DashboardSnapshot": "written by the system: the last computed dashboard figures",
    "reporting.EstablishmentCount": "a statistic copied from its source (named on the row) for a report's denominators",
    "reporting.Funding": "a line of the programme's budget for a report, entered with its activity",
    "reporting.ModelEnterpriseRule": "two thresholds of a report's list of model enterprises",
    "reporting.IssuedFile": "written by the system: the first file built of an issued edition, with its SHA-256",
    "enterprises.ImportJob": "is itself the record of an import (uploader, times, result); its rows keep history",
    "enterprises.Handover": "is itself the dated record of a handover (who recorded it, when, from whom to whom)",
    "assessments.DataCall": "opened once and never edited; it records who opened it and when",
    "assessments.CallReminder": "is itself the record of a reminder sent (call, enterprise or commune, stage, time)",
    "guidance.SectorStatistic": "written by the system: statistics computed from verified data, with their time",
    "guidance.DocumentStep": "a step tag of a library document, written with the document",
    "guidance.LibraryVisit": "a user's own time of their last visit to the library",
}

ACTIONS = {"+": gettext_lazy("Created"), "~": gettext_lazy("Changed"), "-": gettext_lazy("Deleted")}


def can_view_audit(user) -> bool:
    """DOIT staff and administrators."""
    return Scope.of(user).is_city


# --------------------------------------------------------------------------- filtering


@dataclass(frozen=True)
class AuditFilter:
    """``user``: a username or e-mail (exact, any case) or part of a full name; ``kinds``: keys
    of SOURCES (none: all); dates inclusive, in the portal's time zone."""

    user: str = ""
    kinds: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def sources(self) -> list[AuditSource]:
        if not self.kinds:
            return list(SOURCES)
        return [SOURCES_BY_KEY[key] for key in self.kinds if key in SOURCES_BY_KEY]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def matching_user_ids(text: str) -> list[int]:
    """Accounts whose username or e-mail is ``text`` (any case) or whose full name contains it."""
    name = text.strip()
    users = apps.get_model("accounts.User")._default_manager
    return list(
        users.filter(Q(username__iexact=name) | Q(email__iexact=name) | Q(full_name__icontains=name))
        .order_by()
        .values_list("pk", flat=True)
    )


def _branch(source: AuditSource, flt: AuditFilter, user_ids: list[int] | None) -> models.QuerySet:
    qs = source.history_model._default_manager.order_by()
    if user_ids is not None:
        qs = qs.filter(history_user_id__in=user_ids)
    if flt.date_from:
        qs = qs.filter(history_date__gte=_day_start(flt.date_from))
    if flt.date_to:
        qs = qs.filter(history_date__lt=_day_start(flt.date_to + dt.timedelta(days=1)))
    return qs.annotate(audit_kind=Value(source.key, output_field=CharField())).values_list(
        "history_date", "audit_kind", "history_id"
    )


def audit_index(flt: AuditFilter) -> models.QuerySet:
    """(date, kind, history id) of every matching change, newest first: one ``UNION ALL`` (after
    one query for the accounts the user filter matches, when there is one)."""
    user_ids = matching_user_ids(flt.user) if flt.user else None
    sources = flt.sources if user_ids != [] else []
    branches = [_branch(source, flt, user_ids) for source in sources]
    if not branches:
        return apps.get_model("accounts.User").history.none().values_list("history_date", "history_id")
    combined = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    return combined.order_by("-history_date", "-audit_kind", "-history_id")


# --------------------------------------------------------------------------- entries


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class AuditEntry:
    date: dt.datetime
    action: str  # "+", "~" or "-"
    source: AuditSource
    object_id: Any
    object_label: str
    user: Any = None  # the accounts.User, or None for the system
    url: str = ""
    reason: str = ""
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(ACTIONS.get(self.action, self.action))

    @property
    def type_label(self) -> str:
        return self.source.label


class _Missing:
    """Stands for a related object that no longer exists."""

    def __init__(self, pk: Any) -> None:
        self.pk = pk

    def __str__(self) -> str:
        return _("#%(id)s (deleted)") % {"id": self.pk}


def _records(source: AuditSource, ids: Sequence[int]) -> dict[int, Any]:
    """The history records ``ids`` of one kind and, for each change, the record before it."""
    manager = source.history_model._default_manager.order_by()
    pk = source.model._meta.pk.attname
    # Ordered by an expression on purpose: ``ORDER BY history_id DESC LIMIT 1`` lets PostgreSQL
    # walk the primary key backwards through every later record of every object (hundreds of
    # ms on a big table); this way it reads the object's own records by its ``id`` index.
    before = manager.filter(**{pk: OuterRef(pk)}, history_id__lt=OuterRef("history_id")).order_by(
        (F("history_id") * Value(1)).desc()
    )
    previous = (
        manager.filter(history_id__in=ids, history_type="~")
        .annotate(previous_id=Subquery(before.values("history_id")[:1]))
        .values("previous_id")
    )
    # "IN (a UNION b)" rather than "IN a OR IN b", which PostgreSQL answers with a full scan.
    wanted = manager.filter(history_id__in=ids).values("history_id").union(previous, all=True)
    rows: list[Any] = list(manager.filter(history_id__in=wanted).select_related("history_user"))
    return {row.history_id: row for row in rows}


def _by_object(records: dict[int, Any], pk: str) -> dict[Any, list[Any]]:
    """The records of each object, oldest first."""
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for record in sorted(records.values(), key=lambda r: r.history_id):
        grouped[getattr(record, pk)].append(record)
    return grouped


def _previous(grouped: dict[Any, list[Any]], record: Any, pk: str) -> Any | None:
    earlier = [other for other in grouped[getattr(record, pk)] if other.history_id < record.history_id]
    return earlier[-1] if earlier else None


def _plain_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def display_value(model_field: models.Field, value: Any, lookup: dict[tuple[type, Any], Any]) -> str:
    """A stored value as a reader sees it ("" when empty)."""
    if value is None or value == "":
        return ""
    if model_field.is_relation and model_field.related_model is not None:
        related = lookup.get((model_field.related_model, value))
        return str(related) if related is not None else str(_Missing(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(_plain_decimal(value), force_grouping=True)
    if isinstance(value, FieldFile):
        return value.name or ""
    return Truncator(str(value)).chars(TEXT_LIMIT)


def _fk_value(record: Any, name: str) -> tuple[type[models.Model], Any]:
    model_field = record.instance_type._meta.get_field(name)
    return model_field.related_model, getattr(record, model_field.attname)


def _label(source: AuditSource, record: Any, lookup: dict[tuple[type, Any], Any]) -> str:
    """``str()`` of the object as it was in ``record``, its foreign keys taken from ``lookup``."""
    model = source.model
    obj = model(**{f.attname: getattr(record, f.attname) for f in record.tracked_fields})
    for name in source.label_fks:
        related_model, pk = _fk_value(record, name)
        fk: Any = model._meta.get_field(name)
        fk.set_cached_value(obj, None if pk is None else lookup.get((related_model, pk)) or _Missing(pk))
    try:
        return Truncator(str(obj)).chars(TEXT_LIMIT)
    except Exception:  # a __str__ reaching further than label_fks: show the id rather than fail
        return f"#{getattr(record, model._meta.pk.attname)}"


def _hop_model(model: type[models.Model], name: str) -> type[models.Model]:
    related = model._meta.get_field(name).related_model
    assert isinstance(related, type)  # noqa: S101 - SOURCES names foreign keys only
    return related


def _link_target(source: AuditSource, record: Any, lookup: dict[tuple[type, Any], Any]) -> Any | None:
    """The pk of the object whose page shows this change (following the link's path)."""
    link = source.link
    assert link is not None  # noqa: S101
    if not link.path:
        return getattr(record, source.model._meta.pk.attname)
    model, pk = _fk_value(record, link.path[0])
    for name in link.path[1:]:
        obj = lookup.get((model, pk))
        if obj is None:
            return None
        model, pk = _hop_model(model, name), getattr(obj, f"{name}_id")
    return pk


def _first_hop(source: AuditSource, record: Any) -> tuple[type, Any] | None:
    """The object to load so that a link of two or more hops can be followed."""
    if source.link is None or len(source.link.path) < 2:
        return None
    return _fk_value(record, source.link.path[0])


def _visible(viewer, model_label: str, perm: str | None, pks: set[Any]) -> set[Any]:
    """Which of ``pks`` the viewer may open (one query)."""
    if perm and not viewer.has_perm(perm):
        return set()
    manager = apps.get_model(model_label)._default_manager
    queryset = manager.visible_to(viewer) if hasattr(manager, "visible_to") else manager.all()
    return set(queryset.filter(pk__in=pks).order_by().values_list("pk", flat=True))


def _diff(source: AuditSource, newer: Any, older: Any) -> list[tuple[Any, Any, Any]]:
    """(model field, old value, new value) of each field ``newer`` changed, in the model's order."""
    model = source.model
    order = {f.name: i for i, f in enumerate(model._meta.fields)}
    delta = newer.diff_against(older)
    changes = sorted(delta.changes, key=lambda change: order.get(change.field, len(order)))
    return [(model._meta.get_field(change.field), change.old, change.new) for change in changes]


def audit_entries(viewer, keys: Sequence[tuple[dt.datetime, str, int]]) -> list[AuditEntry]:
    """The entries of ``keys`` (from ``audit_index``), in their order, in a number of queries
    bounded by the number of kinds, related models and linked models, not by ``len(keys)``."""
    ids_by_kind: dict[str, list[int]] = defaultdict(list)
    for _date, kind, history_id in keys:
        ids_by_kind[kind].append(history_id)
    records = {kind: _records(SOURCES_BY_KEY[kind], ids) for kind, ids in ids_by_kind.items()}

    # Diffs first (in memory), then every related object they, the labels and the links need.
    diffs: dict[tuple[str, int], list[tuple[Any, Any, Any]]] = {}
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for kind, ids in ids_by_kind.items():
        source, rows = SOURCES_BY_KEY[kind], records[kind]
        pk = source.model._meta.pk.attname
        grouped = _by_object(rows, pk)
        for history_id in ids:
            record = rows.get(history_id)
            if record is None:
                continue
            for name in source.label_fks:
                related_model, value = _fk_value(record, name)
                if value is not None:
                    wanted[related_model].add(value)
            hop = _first_hop(source, record)
            if hop is not None and hop[1] is not None:
                wanted[hop[0]].add(hop[1])
            older = _previous(grouped, record, pk) if record.history_type == "~" else None
            if older is None:
                continue
            changes = _diff(source, record, older)
            diffs[(kind, history_id)] = changes
            for model_field, old, new in changes:
                if model_field.is_relation and model_field.related_model is not None:
                    wanted[model_field.related_model].update(v for v in (old, new) if v is not None)
    lookup: dict[tuple[type, Any], Any] = {}
    for model, pks in wanted.items():
        for obj in model._base_manager.filter(pk__in=pks).order_by():
            lookup[(model, obj.pk)] = obj

    targets: dict[tuple[str, int], Any] = {}
    linked: dict[tuple[str, str | None], set[Any]] = defaultdict(set)
    for kind, ids in ids_by_kind.items():
        source = SOURCES_BY_KEY[kind]
        if source.link is None:
            continue
        for history_id in ids:
            record = records[kind].get(history_id)
            target = _link_target(source, record, lookup) if record is not None else None
            if target is not None:
                targets[(kind, history_id)] = target
                linked[(source.link.model, source.link.perm)].add(target)
    visible = {key: _visible(viewer, *key, pks) for key, pks in linked.items()}

    entries = []
    for _date, kind, history_id in keys:
        source = SOURCES_BY_KEY[kind]
        record = records[kind].get(history_id)
        if record is None:  # deleted between the two queries
            continue
        url = ""
        target = targets.get((kind, history_id))
        link = source.link
        if link is not None and target in visible.get((link.model, link.perm), set()):
            url = reverse(link.url_name, args=[target]) if link.with_pk else reverse(link.url_name)
        reason = record.history_change_reason or ""
        entries.append(
            AuditEntry(
                date=record.history_date,
                action=record.history_type,
                source=source,
                object_id=getattr(record, source.model._meta.pk.attname),
                object_label=_label(source, record, lookup),
                user=record.history_user,
                url=url,
                reason=reason_label(reason, source.model),
                changes=[
                    FieldChange(
                        label=str(capfirst(model_field.verbose_name)),
                        old=display_value(model_field, old, lookup),
                        new=display_value(model_field, new, lookup),
                    )
                    for model_field, old, new in diffs.get((kind, history_id), [])
                ],
            )
        )
    return entries


class CappedPaginator(Paginator):
    """Counts at most ``limit`` rows (an exact count of every history table grows with them; a
    bounded one does not): pages beyond the newest ``limit`` changes are reached by filtering."""

    def __init__(self, object_list: Any, per_page: int, *, limit: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.limit = COUNT_LIMIT if limit is None else limit

    @cached_property
    def matching(self) -> int:
        """The number of matching rows, up to ``limit + 1``."""
        rows: Any = self.object_list  # the queryset of audit_index()
        return rows.order_by()[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.matching, self.limit)

    @property
    def capped(self) -> bool:
        return self.matching > self.limit


def audit_page(viewer, flt: AuditFilter, number: Any, *, per_page: int = PAGE_SIZE) -> Page:
    """One page of the audit; ``page.object_list`` holds ``AuditEntry`` objects."""
    page = CappedPaginator(audit_index(flt), per_page).get_page(number)
    page.object_list = audit_entries(viewer, list(page.object_list))
    return page


def iter_audit(viewer, flt: AuditFilter, *, limit: int, chunk: int = 500) -> Iterator[AuditEntry]:
    """Up to ``limit`` entries, newest first, read ``chunk`` at a time (for the export)."""
    index = audit_index(flt)
    for start in range(0, limit, chunk):
        keys = list(index[start : min(start + chunk, limit)])
        yield from audit_entries(viewer, keys)
        if len(keys) < chunk:
            return
