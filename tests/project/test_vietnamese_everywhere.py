"""Vietnamese everywhere: every page each role can open (the URL × role matrix's 200 pages, on
its objects) is read in Vietnamese, and the visible text may hold no raw choice value ("draft",
"submitted", "electricity"), no English sort label ("(descending)"), and no English message of
the catalogue left untranslated."""

from __future__ import annotations

import gettext
import html
import re
from functools import cache

import pytest
from django.apps import apps
from django.conf import settings

from tests.security.conftest import plan, private_storage, sides, superuser  # noqa: F401 - fixtures
from tests.security.test_url_matrix import (
    ANON,
    DOIT,
    FIXED,
    GET,
    IN,
    MATRIX,
    NEEDS_PENDING_UPLOAD,
    OFFICER,
    OK,
    ROUTES,
    SCOPED,
    STAFF,
    _with_query,
    build_path,
    world,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.django_db

PORTAL_APPS = ("accounts", "enterprises", "assessments", "training", "periods", "reporting")
# Stored values that are also Vietnamese words or file types shown as such ("Tổng quan", ".xlsx").
NOT_RAW = {"quan", "xlsx", "docx"}
ENGLISH_SORT = re.compile(r"\((?:descending|ascending)\)", re.IGNORECASE)


@cache
def raw_choice_values() -> frozenset[str]:
    """Stored values of the portal's choice fields whose label is something else ("draft" for
    "Nháp"): seen in the interface, they are raw codes."""
    values = set()
    for model in apps.get_models():
        if model._meta.app_label not in PORTAL_APPS:
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or []:
                if (
                    isinstance(value, str)
                    and len(value) >= 4
                    and value.isalpha()
                    and str(label) != value
                    and value not in NOT_RAW
                ):
                    values.add(value)
    return frozenset(values)


@cache
def english_messages() -> frozenset[str]:
    """English messages of the catalogue (three words or more) whose Vietnamese differs."""
    with open(settings.BASE_DIR / "locale" / "vi" / "LC_MESSAGES" / "django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    return frozenset(
        msgid
        for msgid, msgstr in catalogue.items()
        if isinstance(msgid, str) and msgid and msgstr != msgid and len(msgid.split()) >= 3 and "%" not in msgid
    )


def visible_text(page: str) -> str:
    """The text a reader sees, less scripts, the passages marked as English (``lang="en"``:
    quotations of English sources, the button to the English interface) and codes (``<code>``)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    page = re.sub(r"<(td|span|button)\b[^>]*\blang=\"en\"[^>]*>.*?</\1>", " ", page, flags=re.DOTALL)
    page = re.sub(r"<code\b[^>]*>.*?</code>", " ", page, flags=re.DOTALL)  # identifiers shown as such
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def problems(text: str) -> list[str]:
    found = [f"raw value {word!r}" for word in re.findall(r"[A-Za-z][\w.@-]*", text) if word in raw_choice_values()]
    found += [f"English sort label {m!r}" for m in ENGLISH_SORT.findall(text)]
    found += [f"untranslated {msg!r}" for msg in english_messages() if msg in text]
    return sorted(set(found))


def pages_for(role: str, world) -> list[tuple[str, str]]:  # noqa: F811
    side = world.sides["A"]
    pages = []
    for route in ROUTES:
        if route.is_admin or route.key in NEEDS_PENDING_UPLOAD:
            continue
        expect = MATRIX.get(route.key)
        if expect is None or expect.expected(role, IN, GET) != OK:
            continue
        kwargs = (
            SCOPED[route.key](side) if route.key in SCOPED else FIXED[route.key](world) if route.key in FIXED else {}
        )
        pages.append((route.key, _with_query(build_path(route, kwargs), kwargs)))
    return pages


def record_workflow_steps(side) -> None:
    """History records of review steps, stored with their status codes as the workflow stores them."""
    for item, step in ((side.assessment, ("draft", "submitted")), (side.report, ("draft", "returned"))):
        item.status = step[1]
        item._change_reason = f"{step[0]} → {step[1]}"
        item.save(update_fields=["status"])


@pytest.mark.parametrize("role", [ANON, DOIT, OFFICER, STAFF])
def test_every_page_of_every_role_is_in_vietnamese(role, world, login, client):  # noqa: F811
    record_workflow_steps(world.sides["A"])
    browser = client if role == ANON else login(world.users[role])
    found, read = [], 0
    for key, path in pages_for(role, world):
        response = browser.get(path)
        if not response.get("Content-Type", "").startswith("text/html") or getattr(response, "streaming", False):
            continue
        page = response.content.decode()
        if "<html" not in page[:500].lower():
            continue
        read += 1
        assert '<html lang="vi">' in page, path
        found += [f"{key} {path}: {problem}" for problem in problems(visible_text(page))]
    print(f"\n{role}: {read} pages read in Vietnamese")
    assert read >= 1
    assert not found, "\n".join(found)
