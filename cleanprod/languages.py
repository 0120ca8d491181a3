"""Data texts kept in both languages (a Vietnamese field and its ``_en`` twin): the one to show."""

from __future__ import annotations

from django.utils.translation import get_language


def english_active() -> bool:
    return (get_language() or "vi").startswith("en")


def in_language(vietnamese: str, english: str) -> str:
    """The English text when English is the active language and one is given, else the Vietnamese."""
    return english if english and english_active() else vietnamese
