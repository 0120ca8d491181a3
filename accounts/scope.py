"""The one scope policy: which part of the city a user acts for.

Every ``visible_to`` queryset, object rule, list filter, form queryset, navigation entry, report
scope and export asks this module, so that a change of who sees what is one change here.

- ``CITY``: DOIT staff and administrators, the whole city;
- ``UNIT``: an officer of a commune's or ward's economic office (since 1/7/2025), the enterprises
  located in that commune, with all of their history from before the reform (assessments and
  savings reports follow the enterprise);
- ``FORMER``: an officer account still tied to a district office abolished on 30/6/2025 and not
  yet moved to a commune by DOIT. Until it is moved it may *read* the enterprises whose former
  district was its district (so that nothing it knew is lost), and do nothing else: no register,
  edit, submit, verify, training or report. DOIT moves it on the officers' page;
- ``ENTERPRISE``: enterprise staff, their own enterprise;
- ``NONE``: anyone else (signed out, inactive, an account without a role or unit), nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.db.models import Model, Q, QuerySet

if TYPE_CHECKING:
    from accounts.models import User

_QS = TypeVar("_QS", bound=QuerySet[Any])

CITY, UNIT, FORMER, ENTERPRISE, NONE = "city", "unit", "former", "enterprise", "none"


def _path(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix else name


@dataclass(frozen=True)
class Scope:
    kind: str
    commune_id: int | None = None
    district_id: int | None = None
    enterprise_id: int | None = None

    # ------------------------------------------------------------------ who

    @classmethod
    def of(cls, user: User | Any) -> Scope:
        if user is None or not user.is_authenticated or not user.is_active:
            return cls(NONE)
        if user.is_superuser or user.role == "doit":
            return cls(CITY)
        if user.role == "officer":
            if user.commune_id:
                return cls(UNIT, commune_id=user.commune_id)
            if user.district_id:
                return cls(FORMER, district_id=user.district_id)
        if user.role == "enterprise" and user.enterprise_id:
            return cls(ENTERPRISE, enterprise_id=user.enterprise_id)
        return cls(NONE)

    @property
    def is_city(self) -> bool:
        return self.kind == CITY

    @property
    def is_unit(self) -> bool:
        """An officer of a commune's office, who acts for it."""
        return self.kind == UNIT

    @property
    def is_former(self) -> bool:
        """A district account not yet moved to a commune: read-only."""
        return self.kind == FORMER

    @property
    def is_enterprise(self) -> bool:
        return self.kind == ENTERPRISE

    @property
    def is_none(self) -> bool:
        return self.kind == NONE

    @property
    def is_office(self) -> bool:
        """The city or a commune office: those who use training, reports and the review queues."""
        return self.kind in (CITY, UNIT)

    # ------------------------------------------------------------------ querysets

    def enterprise_q(self, path: str = "") -> Q | None:
        """The condition on rows whose enterprise is at ``path`` ("" for Enterprise itself);
        None for the whole city; a condition no row matches for NONE."""
        if self.kind == CITY:
            return None
        if self.kind == UNIT:
            return Q(**{_path(path, "commune_id"): self.commune_id})
        if self.kind == FORMER:
            return Q(**{_path(path, "district_id"): self.district_id})
        if self.kind == ENTERPRISE:
            return Q(**{f"{path}_id" if path else "pk": self.enterprise_id})
        return Q(pk__in=[])

    def enterprises(self, qs: _QS, path: str = "") -> _QS:
        """Rows of ``qs`` whose enterprise (at lookup ``path``) is in scope."""
        if self.kind == NONE:
            return qs.none()
        condition = self.enterprise_q(path)
        return qs if condition is None else qs.filter(condition)

    def offices(self, qs: _QS, path: str = "", *, city_wide: bool = False, history: bool = False) -> _QS:
        """Rows that belong to a local office (officers, courses, report jobs; at lookup ``path``
        an object with ``district`` and ``commune``): the city all, an officer their commune
        office's, with ``history`` also those of the former district offices their commune was
        formed from (training records keep the office of their time), with ``city_wide`` rows
        of no office (city-wide courses); everyone else none."""
        if self.kind == CITY:
            return qs
        if self.kind == UNIT:
            condition = Q(**{_path(path, "commune_id"): self.commune_id})
            if history:
                condition |= Q(**{_path(path, "district_id__in"): self.former_district_ids()})
            if city_wide:
                condition |= Q(**{_path(path, "commune__isnull"): True, _path(path, "district__isnull"): True})
            return qs.filter(condition)
        return qs.none()

    def district_rows(self, qs: _QS, path: str = "district") -> _QS:
        """Rows that belong to a district (at ``path``), such as the report editions of districts
        up to 2024: the city all, an officer those of the former districts their commune was
        formed from, everyone else none."""
        if self.kind == CITY:
            return qs
        if self.kind == UNIT:
            return qs.filter(**{f"{path}_id__in": self.former_district_ids()})
        return qs.none()

    def former_district_ids(self) -> QuerySet[Any]:
        """The former districts the officer's commune was formed from (a subquery)."""
        origins = apps.get_model("enterprises", "CommuneOrigin").objects
        return origins.filter(commune_id=self.commune_id or 0).values_list("district_id", flat=True)

    def accounts(self, qs: _QS) -> _QS:
        """Accounts a user may manage: the city every officer and enterprise account; an officer
        the enterprise staff of their commune; nobody else any. Accounts with admin-site staff status
        are managed only by administrators (in the admin), never through the portal's pages."""
        if self.kind == CITY:
            return qs.filter(is_superuser=False, is_staff=False, role__in=["officer", "enterprise"])
        if self.kind == UNIT:
            return self.enterprises(qs.filter(is_superuser=False, is_staff=False, role="enterprise"), "enterprise")
        return qs.none()

    def communes(self, qs: _QS) -> _QS:
        """Communes a user may place an enterprise, a course or a report in: the city any (the
        caller keeps those in force), an officer their own."""
        if self.kind == CITY:
            return qs
        if self.kind == UNIT:
            return qs.filter(pk=self.commune_id)
        return qs.none()

    def rehoming(self, qs: _QS) -> _QS:
        """Enterprises without a commune a user may place (the re-homing worklist): the city all;
        an officer those whose former district their commune was formed from."""
        if self.kind == CITY:
            return qs
        if self.kind == UNIT:
            return qs.filter(district_id__in=self.former_district_ids())
        return qs.none()

    def zones(self, qs: _QS) -> _QS:
        """Industrial zones an officer may place an enterprise in: those of the former districts
        their commune was formed from; the city any."""
        if self.kind == CITY:
            return qs
        if self.kind == UNIT:
            return qs.filter(district__successor_origins__commune_id=self.commune_id).distinct()
        return qs.none()

    # ------------------------------------------------------------------ objects

    def covers_commune(self, commune_id: int | None) -> bool:
        """Whether the commune office ``commune_id`` is in scope (to act for it)."""
        if self.kind == CITY:
            return True
        return self.kind == UNIT and commune_id is not None and commune_id == self.commune_id

    def covers(self, obj: Model | None) -> bool:
        """Whether an enterprise, or an object with an ``enterprise`` (an assessment, a savings
        report), is in scope."""
        if obj is None or self.kind == NONE:
            return False
        if self.kind == CITY:
            return True
        enterprise = getattr(obj, "enterprise", None) if hasattr(obj, "enterprise_id") else obj
        if enterprise is None:
            return False
        if self.kind == ENTERPRISE:
            return enterprise.pk == self.enterprise_id
        if self.kind == FORMER:
            return getattr(enterprise, "district_id", None) == self.district_id
        return getattr(enterprise, "commune_id", None) == self.commune_id


def scope_of(user: User | Any) -> Scope:
    return Scope.of(user)
