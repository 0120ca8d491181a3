"""Re-homing: placing the enterprises registered before 1/7/2025 in the commune or ward that now
holds their address.

The suggestion reads the address: a former ward, commune or town named in it (with or without
accents, with or without its kind: "phường Hàng Bài", "P. Hàng Bài", "Hang Bai"), within the
enterprise's former district, leads through the crosswalk (``CommuneOrigin``) to the commune
formed from it; a former unit split between several communes gives those candidates; an
address already in the new form ("…, Phường Ba Đình, Hà Nội") names its commune directly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Commune, CommuneOrigin, Enterprise
from .text import fold

PLACED, SEVERAL, NO_MATCH = "placed", "several", "no_match"
# Kind words (folded) written before a unit's name, with their abbreviations.
KIND_WORDS = {
    "phuong": ("phuong", "p"),
    "xa": ("xa", "x"),
    "thi tran": ("thi tran", "tt"),
}
NON_WORD = re.compile(r"[^a-z0-9]+")


def _words(text: str) -> str:
    """Folded text as single-spaced words, padded: word matches are ``f" {name} " in``."""
    return f" {NON_WORD.sub(' ', fold(text)).strip()} "


@dataclass
class Suggestion:
    enterprise: Enterprise
    candidates: list[Commune] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if len(self.candidates) == 1:
            return PLACED
        return SEVERAL if self.candidates else NO_MATCH

    @property
    def commune(self) -> Commune | None:
        return self.candidates[0] if len(self.candidates) == 1 else None


class Crosswalk:
    """The crosswalk in memory (two queries), to suggest communes for many enterprises."""

    def __init__(self, on: dt.date | None = None) -> None:
        on = on or timezone.localdate()
        self.communes = {c.pk: c for c in Commune.objects.in_force(on)}
        # (former district id or None for any) -> [(words with kind, words without, commune ids)]
        names: dict[tuple[int, str, str], set[int]] = defaultdict(set)
        for origin in CommuneOrigin.objects.filter(commune__in=list(self.communes)).values(
            "district_id", "old_kind", "old_name", "commune_id"
        ):
            names[(origin["district_id"], fold(origin["old_kind"]), fold(origin["old_name"]))].add(origin["commune_id"])
        self.by_district: dict[int, list[tuple[list[str], str, set[int]]]] = defaultdict(list)
        for (district_id, kind, name), commune_ids in names.items():
            bare = _words(name)
            kinds = KIND_WORDS.get(kind, (kind,))
            self.by_district[district_id].append(([f" {k}{bare}" for k in kinds], bare, commune_ids))
        for entries in self.by_district.values():
            entries.sort(key=lambda entry: -len(entry[1]))  # longer names first: "Láng Hạ" before "Láng"
        self.new_names = [
            ([f" {k}{_words(c.name)}" for k in KIND_WORDS["phuong" if c.kind == "phuong" else "xa"]], c.pk)
            for c in self.communes.values()
        ]

    def suggest(self, enterprise: Enterprise) -> Suggestion:
        words = _words(enterprise.address)
        found: set[int] = set()
        if enterprise.district_id:  # a former unit of its former district, through the crosswalk
            entries = self.by_district.get(enterprise.district_id, [])
            found = self._match(words, entries, with_kind=True) or self._match(words, entries, with_kind=False)
        if not found:  # an address in the new form names its commune or ward, with its kind
            found = {pk for spellings, pk in self.new_names if any(s in words for s in spellings)}
        candidates = sorted((self.communes[pk] for pk in found), key=lambda c: c.code)
        return Suggestion(enterprise, candidates)

    @staticmethod
    def _match(words: str, entries, *, with_kind: bool) -> set[int]:
        for spellings, bare, commune_ids in entries:
            if any(s in words for s in spellings) if with_kind else bare in words:
                return set(commune_ids)  # the longest former unit named
        return set()


def suggestions(enterprises: Iterable[Enterprise], crosswalk: Crosswalk | None = None) -> list[Suggestion]:
    crosswalk = crosswalk or Crosswalk()
    return [crosswalk.suggest(e) for e in enterprises]


@transaction.atomic
def enterprises_rehome(*, by, placements: dict[int, int]) -> list[Enterprise]:
    """Place each enterprise (id) in the commune (id) given, within the user's scope: DOIT any
    commune in force, an officer their own commune for the enterprises of their worklist. Only
    enterprises still without a commune are placed. Returns those placed."""
    scope = by.scope
    if not (scope.is_city or scope.is_unit):
        raise PermissionDenied
    worklist = scope.rehoming(Enterprise.objects.unlocated()).select_for_update()
    enterprises = {e.pk: e for e in worklist.filter(pk__in=list(placements))}
    communes = {c.pk: c for c in scope.communes(Commune.objects.in_force(timezone.localdate()))}
    placed = []
    for enterprise_id, commune_id in placements.items():
        enterprise, commune = enterprises.get(enterprise_id), communes.get(commune_id)
        if enterprise is None:
            continue  # placed meanwhile, or not in the user's worklist
        if commune is None:
            raise ValidationError(_("You can only place enterprises in your own commune or ward."))
        enterprise.commune = commune
        enterprise.save(update_fields=["commune", "updated_at"])
        placed.append(enterprise)
    return placed
