"""The one scope policy: which part of the city a user acts for.

Every ``visible_to`` queryset, object rule, list filter, form queryset, navigation entry, report
scope and export asks this module, so that a change of who sees what (officers moving from the
former districts to the communes of 1/7/2025) is one change here.

- ``CITY``: DOIT staff and administrators, the whole city;
- ``UNIT``: an officer of a local economic office, the enterprises located in their unit;
- ``ENTERPRISE``: enterprise staff, their own enterprise;
- ``NONE``: anyone else (signed out, inactive, an account without a role or unit), nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

if TYPE_CHECKING:
    from accounts.models import User

_QS = TypeVar("_QS", bound=QuerySet[Any])

CITY, UNIT, ENTERPRISE, NONE = "city", "unit", "enterprise", "none"


def _path(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix else name


@dataclass(frozen=True)
class Scope:
    kind: str
    district_id: int | None = None
    enterprise_id: int | None = None

    # ------------------------------------------------------------------ who

    @classmethod
    def of(cls, user: User | Any) -> Scope:
        if user is None or not user.is_authenticated or not user.is_active:
            return cls(NONE)
        if user.is_superuser or user.role == "doit":
            return cls(CITY)
        if user.role == "officer" and user.district_id:
            return cls(UNIT, district_id=user.district_id)
        if user.role == "enterprise" and user.enterprise_id:
            return cls(ENTERPRISE, enterprise_id=user.enterprise_id)
        return cls(NONE)

    @property
    def is_city(self) -> bool:
        return self.kind == CITY

    @property
    def is_unit(self) -> bool:
        return self.kind == UNIT

    @property
    def is_enterprise(self) -> bool:
        return self.kind == ENTERPRISE

    @property
    def is_none(self) -> bool:
        return self.kind == NONE

    @property
    def is_office(self) -> bool:
        """The city or a local office: those who use training, reports and the review queues."""
        return self.kind in (CITY, UNIT)

    # ------------------------------------------------------------------ querysets

    def enterprise_q(self, path: str = "") -> Q | None:
        """The condition on rows whose enterprise is at ``path`` ("" for Enterprise itself);
        None for the whole city. Raises nothing: NONE gives a condition matching no row."""
        if self.kind == CITY:
            return None
        if self.kind == UNIT:
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

    def offices(self, qs: _QS, path: str = "district", *, city_wide: bool = False) -> _QS:
        """Rows that belong to a local office (officers, courses, report jobs) at lookup ``path``:
        the city all, an officer their own office's (and, with ``city_wide``, rows of no office,
        such as city-wide courses), enterprise staff and others none."""
        if self.kind == CITY:
            return qs
        if self.kind == UNIT:
            condition = Q(**{f"{path}_id": self.district_id})
            if city_wide:
                condition |= Q(**{f"{path}__isnull": True})
            return qs.filter(condition)
        return qs.none()

    def accounts(self, qs: _QS) -> _QS:
        """Accounts a user may manage: the city every officer and enterprise account; an officer
        the enterprise staff of their unit; nobody else any. Accounts with admin-site staff status
        are managed only by administrators (in the admin), never through the portal's pages."""
        if self.kind == CITY:
            return qs.filter(is_superuser=False, is_staff=False, role__in=["officer", "enterprise"])
        if self.kind == UNIT:
            return self.enterprises(qs.filter(is_superuser=False, is_staff=False, role="enterprise"), "enterprise")
        return qs.none()

    def districts(self, qs: _QS) -> _QS:
        """Units a user may place an enterprise, a course or a report in: the city any active
        one, an officer their own."""
        if self.kind == CITY:
            return qs.filter(active=True)
        if self.kind == UNIT:
            return qs.filter(pk=self.district_id)
        return qs.none()

    # ------------------------------------------------------------------ objects

    def covers_office(self, district_id: int | None) -> bool:
        """Whether the office (district) ``district_id`` is in scope."""
        if self.kind == CITY:
            return True
        return self.kind == UNIT and district_id is not None and district_id == self.district_id

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
        return getattr(enterprise, "district_id", None) == self.district_id

    def covers_enterprise_id(self, enterprise_id: int | None) -> bool:
        return self.kind == ENTERPRISE and enterprise_id is not None and enterprise_id == self.enterprise_id


def scope_of(user: User | Any) -> Scope:
    return Scope.of(user)
