"""Vietnamese everywhere: every page each role can open (the URL × role matrix's 200 pages, on
its objects) is read in Vietnamese, and the visible text may hold no raw choice value ("draft",
"submitted", "electricity"), no English sort label ("(descending)"), no English message of
the catalogue left untranslated, no reference text shipped in English (factor sources and methods,
plan titles and sources, target wording: their English twins) and no passage marked as English."""

from __future__ import annotations

import gettext
import html
import re
from functools import cache

import pytest
from django.apps import apps
from django.conf import settings

from assessments.plausibility import price_bands
from assessments.reference import factor_rows
from reporting.reference import plan_rows, target_rows
from tests.security.conftest import plan, private_storage, sides, superuser  # noqa: F401 - fixtures
from tests.security.test_url_matrix import (
    ANON,
    DOIT,
    FIXED,
    GET,
    IN,
    MATRIX,
    NEEDS_IMPORT_JOB,
    OFFICER,
    OK,
    ROUTES,
    SCOPED,
    STAFF,
    _with_query,
    build_path,
    import_job_for,
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


@cache
def english_reference_texts() -> frozenset[str]:
    """The English twins of the reference texts the portal ships (three words or more, and not the
    same as the Vietnamese): shown on a Vietnamese page, they are an English island."""
    pairs = [(row["source"], row["source_en"]) for row in factor_rows()]
    pairs += [(row["method"], row["method_en"]) for row in factor_rows()]
    pairs += [(row["title"], row["title_en"]) for row in plan_rows()]
    pairs += [(row["source"], row["source_en"]) for row in plan_rows()]
    pairs += [(row["note"], row["note_en"]) for row in target_rows()]
    pairs += [(row["source"], row["source_en"]) for row in target_rows()]
    pairs += [(band.source_vi, band.source_en) for band in price_bands().values()]
    return frozenset(" ".join(en.split()) for vi, en in pairs if en and en != vi and len(en.split()) >= 3)


LANGUAGE_SWITCH = re.compile(r"<button\b[^>]*\bdata-testid=\"language-switch\"[^>]*>.*?</button>", re.DOTALL)
ENGLISH_ISLAND = re.compile(r"<(\w+)\b[^>]*\blang=\"en\"")


def visible_text(page: str) -> str:
    """The text a reader sees, less scripts, the button to the English interface (the one passage
    in English on purpose) and codes (``<code>``)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    page = LANGUAGE_SWITCH.sub(" ", page)
    page = re.sub(r"<code\b[^>]*>.*?</code>", " ", page, flags=re.DOTALL)  # identifiers shown as such
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def problems(text: str) -> list[str]:
    found = [f"raw value {word!r}" for word in re.findall(r"[A-Za-z][\w.@-]*", text) if word in raw_choice_values()]
    found += [f"English sort label {m!r}" for m in ENGLISH_SORT.findall(text)]
    found += [f"untranslated {msg!r}" for msg in english_messages() if msg in text]
    found += [f"English reference text {ref[:60]!r}" for ref in english_reference_texts() if ref in text]
    return sorted(set(found))


def page_problems(page: str) -> list[str]:
    """Problems of the visible text, and passages marked as English other than the language switch."""
    islands = ENGLISH_ISLAND.findall(LANGUAGE_SWITCH.sub(" ", page))
    return problems(visible_text(page)) + [f'passage marked lang="en" in <{tag}>' for tag in islands]


def pages_for(role: str, world) -> list[tuple[str, str]]:  # noqa: F811
    side = world.sides["A"]
    pages = []
    for route in ROUTES:
        if route.is_admin:
            continue
        expect = MATRIX.get(route.key)
        if expect is None or expect.expected(role, IN, GET) != OK:
            continue
        if route.key in NEEDS_IMPORT_JOB:  # the role's own import job, with a row in error
            side.import_job = import_job_for(world.users[role], route.key, side)
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
        found += [f"{key} {path}: {problem}" for problem in page_problems(page)]
    print(f"\n{role}: {read} pages read in Vietnamese")
    assert read >= 1
    assert not found, "\n".join(found)


def _page(body: str) -> str:
    return f'<html lang="vi"><body><button data-testid="language-switch" lang="en">English</button>{body}</body></html>'


def test_the_check_finds_each_kind_of_english_on_a_vietnamese_page(db):
    """The crawl above fails on each kind of English it is meant to catch, not only on some."""
    method_en = next(row["method_en"] for row in factor_rows() if row["resource"] == "diesel_do")
    plan_source_en = next(row["source_en"] for row in plan_rows() if row["decision_number"] == "4052/QĐ-UBND")
    note_en = target_rows()[0]["note_en"]
    assert page_problems(_page("<p>Nháp</p>")) == []
    assert page_problems(_page("<td>submitted</td>")) == ["raw value 'submitted'"]
    assert page_problems(_page("<option>Tên (descending)</option>")) == ["English sort label '(descending)'"]
    untranslated = sorted(english_messages(), key=len)[0]
    assert f"untranslated {untranslated!r}" in page_problems(_page(f"<p>{untranslated}</p>"))
    for english in (method_en, plan_source_en, note_en):
        assert any(p.startswith("English reference text") for p in page_problems(_page(f"<td>{english}</td>")))
    assert page_problems(_page('<td lang="en">IPCC 2006</td>')) == ['passage marked lang="en" in <td>']


@pytest.mark.parametrize(
    ("language", "expected"), [("vi", "Công văn 3505/BCT-KHCN"), ("en", "MOIT official letter 3505/BCT-KHCN")]
)
def test_reference_texts_follow_the_active_language(db, language, expected):
    from django.utils import translation

    from assessments.models import ResourceFactor
    from reporting.models import ActionPlan, Target

    factor = ResourceFactor.objects.get(resource__code="electricity", valid_from_year=2011)
    plan_4052 = ActionPlan.objects.get(decision_number="4052/QĐ-UBND")
    target = Target.objects.filter(plan__decision_number="1419/QĐ-TTg").order_by("year", "pk").first()
    with translation.override(language):
        assert expected in factor.source_text
        assert ("Bộ Công Thương" in factor.method_text) == (language == "vi")
        assert ("its text and targets were not found" in plan_4052.source_text) == (language == "en")
        assert ("of industrial production establishments" in target.note_text) == (language == "en")
        assert ("Chiến lược" in ActionPlan.objects.get(decision_number="1419/QĐ-TTg").title_text) == (language == "vi")


def test_the_price_band_source_in_data_quality_messages_follows_the_language():
    from django.utils import translation

    band = price_bands()["electricity"]
    with translation.override("vi"):
        assert band.source.startswith("Quyết định 4495/QĐ-BCT của Bộ Công Thương")
    with translation.override("en"):
        assert band.source.startswith("MOIT Decision 4495/QĐ-BCT")
