"""Accent-insensitive text keys for Vietnamese search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d included) and collapse white space.

    "Đống Đa", "ĐỐNG ĐA" and "dong da" all fold to "dong da". Unicode decomposition alone
    leaves "đ" untouched (it is a letter of its own, not d + a mark), so it is mapped first.
    """
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().casefold()
