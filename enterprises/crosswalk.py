"""Reads of the crosswalk between the former districts and wards and the communes and wards in
force since 1/7/2025 (``CommuneOrigin``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch

from .models import Commune, CommuneOrigin, District
from .text import fold


@dataclass
class Successor:
    """A commune that took territory of a former district, with the former units involved."""

    commune: Commune
    origins: list[CommuneOrigin] = field(default_factory=list)


@dataclass
class FormerDistrict:
    district: District
    successors: list[Successor] = field(default_factory=list)


def communes_with_origins(query: str = "") -> list[Commune]:
    """Every commune (in force or not) with its origins (``origins`` prefetched), by code;
    ``query`` keeps those whose code or name, or a former unit's or district's name, matches."""
    origins = CommuneOrigin.objects.select_related("district").order_by("district__code", "old_name", "pk")
    communes = list(
        Commune.objects.select_related("principal_district").prefetch_related(Prefetch("origins", queryset=origins))
    )
    key = fold(query)
    if not key:
        return communes

    def matches(c: Commune) -> bool:
        texts = [c.code, c.full_name, *(f"{o.old_kind} {o.old_name} {o.district.full_name}" for o in c.origins.all())]
        return any(key in fold(t) for t in texts)

    return [c for c in communes if matches(c)]


def former_districts(communes: list[Commune] | None = None) -> list[FormerDistrict]:
    """Each former district with the communes that took any of its territory (and which of its
    former units each took), from the prefetched ``communes`` (all when None)."""
    communes = communes_with_origins() if communes is None else communes
    by_district: dict[int, dict[int, Successor]] = defaultdict(dict)
    for commune in communes:
        for origin in commune.origins.all():
            successor = by_district[origin.district_id].setdefault(commune.pk, Successor(commune))
            successor.origins.append(origin)
    return [
        FormerDistrict(d, sorted(by_district[d.pk].values(), key=lambda s: s.commune.code))
        for d in District.objects.order_by("code")
        if d.pk in by_district
    ]


def communes_formed_from(district: District) -> list[Commune]:
    """The communes that took any part of a former district (the scope of a former-district report)."""
    return list(Commune.objects.filter(origins__district=district).distinct().order_by("code"))
