"""Spreadsheet cell values as typed or as Excel kept them: text, codes, yes/no, whole numbers."""

from __future__ import annotations

import re
from typing import Any

from ..text import fold

TRUE_WORDS = {"co", "yes", "y", "1", "x", "true", "dung"}
FALSE_WORDS = {"khong", "no", "n", "0", "false", "sai"}
THOUSANDS_RE = re.compile(r"^\d{1,3}(?:[.,\s]\d{3})+$")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _code(value: Any, width: int, *, pad_text: bool = True) -> str:
    """A numeric code as typed or as Excel kept it: a number cell has lost its leading zeros,
    which are put back (a tax code of 9 digits stored as a number is "0" + those digits)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return str(value)
        return str(int(value)).zfill(width)
    text = "".join(_text(value).split())
    return text.zfill(width) if pad_text and text.isdigit() else text


def parse_yes_no(value: Any, *, true_words: set[str] = TRUE_WORDS, false_words: set[str] = FALSE_WORDS) -> bool:
    """A spreadsheet yes/no cell: a real boolean, 1/0, or one of the (folded) words; ValueError
    otherwise. Shared by every importer of the portal."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = fold(_text(value))
    if word in true_words:
        return True
    if word in false_words:
        return False
    raise ValueError(word)


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        number = int(value)
    else:
        text = _text(value)
        if THOUSANDS_RE.match(text):
            text = re.sub(r"[.,\s]", "", text)
        if not text.isdigit():
            raise ValueError(value)
        number = int(text)
    if number < 0:
        raise ValueError(value)
    return number
