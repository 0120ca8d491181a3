from __future__ import annotations

import csv
import datetime as dt
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import Scope

from .text import fold
from .validators import validate_tax_code

if TYPE_CHECKING:
    from accounts.models import User

DATA_DIR = Path(__file__).resolve().parent / "data"


# The first day of two-level local government: communes and wards replace the districts
# (Resolution 1656/NQ-UBTVQH15; the Law on the Organisation of Local Government 2025).
REFORM_DATE = dt.date(2025, 7, 1)

DISTRICT_PREFIX = {"quan": "Quận", "huyen": "Huyện", "thi_xa": "Thị xã"}


class UnitQuerySet(models.QuerySet):
    def in_force(self, on: dt.date):
        """Units in force on ``on`` (those with ``valid_from`` from it, where the model has one)."""
        qs = self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        if any(f.name == "valid_from" for f in self.model._meta.fields):
            qs = qs.filter(valid_from__lte=on)
        return qs


class District(models.Model):
    class Kind(models.TextChoices):
        URBAN = "quan", _("Urban district (quận)")
        RURAL = "huyen", _("Rural district (huyện)")
        TOWN = "thi_xa", _("District-level town (thị xã)")

    code = models.CharField(_("GSO code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    active = models.BooleanField(_("active"), default=True)
    # The district level ended on 30/6/2025 (Resolution 1656/NQ-UBTVQH15); the rows stay as history.
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        return f"{DISTRICT_PREFIX.get(self.kind, '')} {self.name}".strip()


class Commune(models.Model):
    """A commune-level unit (phường / xã) in force from ``valid_from`` (1/7/2025 for the 126 of
    Resolution 1656/NQ-UBTVQH15) to ``valid_until`` (open while in force)."""

    class Kind(models.TextChoices):
        WARD = "phuong", _("Ward (phường)")
        COMMUNE = "xa", _("Commune (xã)")

    code = models.CharField(_("GSO code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    principal_district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="principal_communes",
        verbose_name=_("principal former district"),
        help_text=_("The former district of the old ward whose code the commune kept."),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("commune or ward")
        verbose_name_plural = _("communes and wards")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{5}$"), name="commune_code_format"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="commune_valid_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{'Phường' if self.kind == self.Kind.WARD else 'Xã'} {self.name}"


class CommuneOrigin(models.Model):
    """One line of the crosswalk: a former ward, commune or town (and its former district) that
    a commune was formed from, wholly, in part or as the remainder."""

    class Relation(models.TextChoices):
        WHOLE = "whole", _("whole")
        PART = "part", _("part")
        REMAINDER = "remainder", _("remainder")

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="origins", verbose_name=_("commune or ward")
    )
    old_code = models.CharField(_("former GSO code"), max_length=5, blank=True)
    old_name = models.CharField(_("former unit"), max_length=100)
    old_kind = models.CharField(_("former kind"), max_length=20)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="successor_origins", verbose_name=_("former district")
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    relation_detail = models.CharField(_("relation as written"), max_length=30, blank=True)
    resolution = models.CharField(_("resolution"), max_length=40)
    matched_by = models.CharField(_("how the former unit was matched"), max_length=80, blank=True)

    class Meta:
        ordering = ["commune__code", "district__code", "old_name", "pk"]
        verbose_name = _("origin of a commune")
        verbose_name_plural = _("origins of communes (crosswalk)")
        indexes = [models.Index(fields=["district", "commune"])]

    def __str__(self) -> str:
        return f"{self.commune} ← {self.old_kind} {self.old_name} ({self.district})"


class UnitChange(models.Model):
    """A dated change of the administrative units, recorded by ``sync_units --apply``."""

    class Change(models.TextChoices):
        ADDED = "added", _("added")
        RENAMED = "renamed", _("renamed")
        ENDED = "ended", _("ended")

    effective = models.DateField(_("effective date"))
    change = models.CharField(_("change"), max_length=10, choices=Change.choices)
    code = models.CharField(_("GSO code"), max_length=5)
    old_name = models.CharField(_("former name"), max_length=120, blank=True)
    new_name = models.CharField(_("new name"), max_length=120, blank=True)
    source = models.CharField(_("source"), max_length=255)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-effective", "code", "pk"]
        verbose_name = _("change of units")
        verbose_name_plural = _("changes of units")

    def __str__(self) -> str:
        return f"{self.effective} {self.change} {self.code}"


class Sector(models.Model):
    """VSIC 2018 section C: divisions (2 digits) and, as their children, groups (3 digits)."""

    code = models.CharField(_("VSIC code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("division"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class IndustrialZone(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="industrial_zones", verbose_name=_("district")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("industrial zone or cluster")
        verbose_name_plural = _("industrial zones and clusters")

    def __str__(self) -> str:
        return self.name


class EnterpriseQuerySet(models.QuerySet["Enterprise"]):
    def visible_to(self, user: User) -> EnterpriseQuerySet:
        """The only way views reach enterprises (``accounts.scope``)."""
        return Scope.of(user).enterprises(self)

    def search(self, query: str) -> EnterpriseQuerySet:
        """Accent- and case-insensitive phrase search over name, tax code and address."""
        key = fold(query)
        return self.filter(search_key__contains=key) if key else self

    def with_related(self) -> EnterpriseQuerySet:
        return self.select_related("commune", "district", "sector", "industrial_zone")

    def unlocated(self) -> EnterpriseQuerySet:
        """Active enterprises with no commune yet (the re-homing worklist)."""
        return self.filter(commune__isnull=True, active=True)

    def active_on(self, day: dt.date) -> EnterpriseQuerySet:
        """The enterprises registered by ``day`` and not closed on it (``active_on``)."""
        return self.filter(registered_by(day), open_on(day))


def registered_by(day: dt.date, prefix: str = "") -> Q:
    """Enterprises registered on or before ``day``."""
    return Q(**{f"{prefix}registered_on__lte": day})


def open_on(day: dt.date, prefix: str = "") -> Q:
    """Enterprises not closed on ``day``: no closure date, or one after it. An enterprise closed
    on ``day`` no longer counts on that day."""
    return Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": day})


def active_on(day: dt.date, prefix: str = "") -> Q:
    """Enterprises registered and active on ``day``: a year's figures count those of 31/12 (or
    today for the current year), so that registering or closing one later never changes them."""
    return registered_by(day, prefix) & open_on(day, prefix)


class Enterprise(models.Model):
    class Ownership(models.TextChoices):
        STATE = "state", _("State-owned")
        PRIVATE = "private", _("Domestic private")
        FDI = "fdi", _("Foreign-invested")
        COOPERATIVE = "cooperative", _("Cooperative")

    class Size(models.TextChoices):
        # Decree 80/2021/NĐ-CP Art. 5, industry and construction
        MICRO = "micro", _("Micro")
        SMALL = "small", _("Small")
        MEDIUM = "medium", _("Medium")
        LARGE = "large", _("Large")

    tax_code = models.CharField(_("tax code"), max_length=14, unique=True, validators=[validate_tax_code])
    name = models.CharField(_("name"), max_length=255)
    # Where the enterprise is: the commune or ward in force (required from 1/7/2025); the former
    # district is kept as history (empty for enterprises registered after the reform).
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("commune or ward"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("former district"),
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("sector (VSIC)")
    )
    address = models.CharField(_("address"), max_length=255)
    industrial_zone = models.ForeignKey(
        IndustrialZone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("industrial zone or cluster"),
    )
    ownership = models.CharField(_("ownership"), max_length=12, choices=Ownership.choices)
    size = models.CharField(_("size"), max_length=8, choices=Size.choices)
    employees = models.PositiveIntegerField(_("employees"))
    is_designated_energy_user = models.BooleanField(
        _("designated energy user"),
        default=False,
        help_text=_("On the Prime Minister's list of key energy-using establishments."),
    )
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_position = models.CharField(_("contact position"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # The registry's dates: a year's figures count the enterprises registered and not closed on
    # 31/12 of that year. ``active`` follows ``closed_on`` (kept for filters and lists).
    registered_on = models.DateField(
        _("registered on"),
        default=timezone.localdate,
        help_text=_("The day the enterprise entered the programme's registry."),
    )
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_(
            "The day the enterprise closed or left the programme. It no longer counts from that day; "
            "the figures of earlier years keep it."
        ),
    )
    active = models.BooleanField(_("active"), default=True, editable=False)  # closed_on is None
    search_key = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_key", "updated_at"])
    objects = EnterpriseQuerySet.as_manager()

    CONTACT_FIELDS = ("contact_name", "contact_position", "contact_phone", "contact_email")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [
            models.Index(fields=["district", "name"]),
            models.Index(fields=["commune", "name"]),
            models.Index(fields=["sector"]),
            # The list's default order for DOIT (the whole city): the first page without a sort.
            models.Index(fields=["name", "id"], name="enterprise_name_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_code__regex=r"^[0-9]{10}(-[0-9]{3})?$"), name="enterprise_tax_code_format"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("registered_on")),
                name="enterprise_closed_after_registered",
            ),
            models.CheckConstraint(
                condition=Q(active=True, closed_on__isnull=True) | Q(active=False, closed_on__isnull=False),
                name="enterprise_active_follows_closure",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.search_key = self.build_search_key(self.name, self.tax_code, self.address)
        if self.closed_on is not None:
            self.active = False
        elif not self.active:  # deactivated without a date (the admin, a script): closed today
            self.closed_on = timezone.localdate()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_key", "active", "closed_on"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("enterprises:detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        today = timezone.localdate()
        errors: dict[str, Any] = {}
        if self.registered_on and self.registered_on > today:
            errors["registered_on"] = _("The registration date cannot be in the future.")
        if self.closed_on:
            if self.closed_on > today:
                errors["closed_on"] = _("The closure date cannot be in the future.")
            elif self.registered_on and self.closed_on < self.registered_on:
                errors["closed_on"] = _("The closure date cannot be before the registration date.")
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def build_search_key(name: str, tax_code: str, address: str) -> str:
        return fold(f"{name} {tax_code} {address}")


@functools.cache
def _size_caps() -> list[tuple[int, str]]:
    """Employee caps of the size classes, from Decree 80/2021 (data/sme_size_industry.csv)."""
    with open(DATA_DIR / "sme_size_industry.csv", encoding="utf-8") as f:
        return [(int(row["max_employees"]), row["size"]) for row in csv.DictReader(f) if row["max_employees"]]


def size_for(employees: int) -> str:
    """Size class by employee count alone (the decree's revenue/capital tests need figures we
    do not hold)."""
    for cap, size in _size_caps():
        if employees <= cap:
            return size
    return Enterprise.Size.LARGE


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def visible_to(self, user: User) -> ImportJobQuerySet:
        """An upload is private to whoever uploaded it: its file may hold rows outside anyone
        else's scope, so not even DOIT staff see another user's import."""
        if Scope.of(user).is_none:
            return self.none()
        return self.filter(requester_id=user.pk)


class ImportJob(models.Model):
    """A spreadsheet import run by a Celery task: the uploaded file waits in private storage
    (``upload``), a task checks every row (``phase`` preview) and stores what the page shows
    (``summary``); on confirmation a task writes the rows (``phase`` apply) and stores the counts
    (``result``). Every importer of the portal (``enterprises.imports.jobs.IMPORTERS``) runs this
    way; the status and progress are those of the report jobs."""

    class Kind(models.TextChoices):
        ENTERPRISES = "enterprises", _("Enterprises")
        ATTENDANCE = "attendance", _("Course attendance")

    class Phase(models.TextChoices):
        PREVIEW = "preview", _("Checking the file")
        APPLY = "apply", _("Saving the rows")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("uploaded by")
    )
    target_id = models.PositiveIntegerField(
        _("target"), null=True, blank=True, help_text=_("The course of an attendance list; empty otherwise.")
    )
    upload = models.CharField(_("uploaded file"), max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, default="vi")
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices, default=Phase.PREVIEW)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    summary = models.JSONField(_("preview"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="importjob_progress_max_100"),
            models.CheckConstraint(
                condition=~Q(kind="attendance") | Q(target_id__isnull=False), name="importjob_attendance_has_course"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def previewed(self) -> bool:
        """The preview is built and every row can be written: the import may be confirmed."""
        return self.phase == self.Phase.PREVIEW and self.status == self.Status.DONE and bool(self.summary.get("ok"))

    @property
    def applied(self) -> bool:
        return self.phase == self.Phase.APPLY and self.status == self.Status.DONE


# --------------------------------------------------------------------------- CP contacts


class ContactQuerySet(models.QuerySet["Contact"]):
    def visible_to(self, user: User) -> ContactQuerySet:
        return Scope.of(user).enterprises(self, "enterprise")

    def current(self, on: dt.date | None = None) -> ContactQuerySet:
        """Contacts holding their role on ``on`` (default today)."""
        from django.utils import timezone

        on = on or timezone.localdate()
        return self.filter(Q(held_until__isnull=True) | Q(held_until__gte=on), held_from__lte=on)


class Contact(models.Model):
    """A person of an enterprise who carries the cleaner-production programme, with the dates
    they held the role (issue 16). When one leaves, the officer records the handover
    (``enterprises.services.contact_handover``)."""

    class Role(models.TextChoices):
        CP_LEAD = "cp_lead", _("CP team lead")
        ENERGY_MANAGER = "energy_manager", _("Energy manager")
        ENVIRONMENT = "environment", _("Environment officer")
        DIRECTOR = "director", _("Director")
        OTHER = "other", _("Other")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("enterprise")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    full_name = models.CharField(_("full name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    held_from = models.DateField(_("held from"))
    held_until = models.DateField(_("held until"), null=True, blank=True)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_roles",
        verbose_name=_("portal account"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()
    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "held_until", "role", "-held_from", "pk"]
        verbose_name = _("CP contact")
        verbose_name_plural = _("CP contacts")
        constraints = [
            models.CheckConstraint(
                condition=Q(held_until__isnull=True) | Q(held_until__gte=models.F("held_from")),
                name="contact_held_in_order",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["cp_lead", "energy_manager", "environment", "director", "other"]),
                name="contact_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()})"

    @property
    def is_current(self) -> bool:
        from django.utils import timezone

        return self.held_until is None or self.held_until >= timezone.localdate()


class Handover(models.Model):
    """A contact who left and the successor who took over, recorded by an officer. The
    successor's account opens on a summary of the enterprise until they have read it."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="handovers", verbose_name=_("enterprise")
    )
    departed = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="handed_over", verbose_name=_("departed contact")
    )
    successor = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="taken_over", verbose_name=_("successor")
    )
    on = models.DateField(_("handover date"))
    successor_account = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handovers_received",
        verbose_name=_("successor's account"),
    )
    closed_account = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account closed"),
    )
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    seen_at = models.DateTimeField(_("summary read"), null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.UniqueConstraint(fields=["departed"], name="handover_once_per_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.departed.full_name} → {self.successor.full_name}"
