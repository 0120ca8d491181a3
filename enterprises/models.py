from __future__ import annotations

import csv
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import Scope

from .text import fold
from .validators import validate_tax_code

if TYPE_CHECKING:
    from accounts.models import User

DATA_DIR = Path(__file__).resolve().parent / "data"


class District(models.Model):
    class Kind(models.TextChoices):
        URBAN = "quan", _("Urban district (quận)")
        RURAL = "huyen", _("Rural district (huyện)")
        TOWN = "thi_xa", _("District-level town (thị xã)")

    code = models.CharField(_("GSO code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


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
        return self.select_related("district", "sector", "industrial_zone")


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
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("district")
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
    active = models.BooleanField(_("active"), default=True)
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
            models.Index(fields=["sector"]),
            # The list's default order for DOIT (the whole city): the first page without a sort.
            models.Index(fields=["name", "id"], name="enterprise_name_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_code__regex=r"^[0-9]{10}(-[0-9]{3})?$"), name="enterprise_tax_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.search_key = self.build_search_key(self.name, self.tax_code, self.address)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("enterprises:detail", args=[self.pk])

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
