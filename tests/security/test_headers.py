"""Response headers: a strict Content-Security-Policy on every response (no inline script or
style allowed, and none in the templates), clickjacking and sniffing protection, and in the
production settings HSTS, HTTPS redirect and secure cookies."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import AssessmentFactory, SavingsLineFactory, SavingsReportFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
EXPECTED_POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}


def parse_policy(header: str) -> dict[str, set[str]]:
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        policy[name] = set(sources)
    return policy


def assert_strict_policy(response, where: str, *, page: bool = True) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {where}"
    assert parse_policy(header) == EXPECTED_POLICY, where
    assert "unsafe" not in header, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    if page:  # served by Django's views (static files are answered earlier, by WhiteNoise)
        assert response.headers.get("X-Frame-Options") == "DENY", where


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    found = []
    for name, pattern in [
        ("inline <script>", INLINE_SCRIPT),
        ("style attribute", STYLE_ATTRIBUTE),
        ("<style> element", STYLE_ELEMENT),
        ("on… handler", EVENT_HANDLER),
        ("javascript: URL", JS_URL),
    ]:
        found += [f"{name}: {m.group(0)[:80]}" for m in pattern.finditer(html)]
    return found


def test_inline_code_detector_finds_what_the_policy_would_block():
    bad = '<div style="color:red"></div><script>alert(1)</script><a onclick="x()">x</a><style>p{}</style>'
    assert len(inline_code(bad)) == 4
    good = '<script src="/static/js/portal.js"></script><script id="d" type="application/json">{}</script>'
    assert inline_code(good) == []


def test_no_template_has_inline_script_style_or_handlers():
    offenders = {}
    for template in sorted((BASE_DIR / "templates").rglob("*.html")):
        if "/pdf/" in template.as_posix():
            continue  # rendered to PDF by WeasyPrint on the server, never served to a browser
        found = inline_code(template.read_text(encoding="utf-8"))
        if found:
            offenders[str(template.relative_to(BASE_DIR))] = found
    assert offenders == {}


def test_anonymous_pages_carry_the_policy(client):
    for url in (reverse("login"), reverse("password_reset"), "/no-such-page/", "/"):
        response = client.get(url)
        assert_strict_policy(response, url)


def test_htmx_never_injects_its_indicator_style(client):
    html = client.get(reverse("login")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert config, "htmx-config meta missing: htmx would inject an inline <style>"
    assert json.loads(config.group(1))["includeIndicatorStyles"] is False
    css = (BASE_DIR / "static/css/htmx.css").read_text()
    assert ".htmx-indicator" in css and "css/htmx.css" in html


@pytest.fixture
def some_data(enterprise_x, officer_a):
    assessment = AssessmentFactory(enterprise=enterprise_x, year=2024)
    report = SavingsReportFactory(enterprise=enterprise_x, year=2024, status="verified")
    SavingsLineFactory(report=report)
    return {"enterprise": enterprise_x, "assessment": assessment, "report": report}


def test_signed_in_pages_downloads_and_fragments_carry_the_policy(login, doit_user, officer_a, staff_x, some_data):
    enterprise, assessment, report = some_data["enterprise"], some_data["assessment"], some_data["report"]
    pages = {
        doit_user: [
            reverse("dashboard"),
            reverse("enterprises:list"),
            reverse("enterprises:detail", args=[enterprise.pk]),
            reverse("enterprises:export"),
            reverse("assessments:list"),
            reverse("assessments:detail", args=[assessment.pk]),
            reverse("training:coverage"),
            reverse("reporting:list"),
            reverse("reporting:jobs"),
            reverse("accounts:users"),
            reverse("otp_status"),
        ],
        officer_a: [
            reverse("dashboard"),
            reverse("enterprises:edit", args=[enterprise.pk]),
            reverse("savings:detail", args=[report.pk]),
            reverse("otp_setup"),
        ],
        staff_x: [reverse("dashboard"), reverse("savings:list"), reverse("password_change")],
    }
    checked = 0
    for user, urls in pages.items():
        client = login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403), (user, url, response.status_code)
            assert_strict_policy(response, f"{user.username} {url}")
            if response["Content-Type"].startswith("text/html") and not url.startswith("/admin/"):
                assert inline_code(response.content.decode()) == [], (user.username, url)
            checked += 1
    assert checked == 18


def test_admin_pages_have_no_inline_code(login):
    from accounts.models import User

    admin = User.objects.create_superuser(username="root", email="root@example.vn", password="Mat-khau-thu-2026")
    client = login(admin)
    for url in ("/admin/", reverse("admin:accounts_user_changelist"), reverse("admin:accounts_user_add")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response, url)
        assert inline_code(response.content.decode()) == [], url


def test_static_files_carry_the_policy_too(settings):
    from django.test import Client

    settings.WHITENOISE_USE_FINDERS = True  # serve from static/ as in development
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get(settings.STATIC_URL + "js/portal.js")  # a new client: middleware loaded anew
    assert response.status_code == 200
    assert_strict_policy(response, "static file", page=False)


# --- Production settings --------------------------------------------------------------------

PROBE = r"""
import json
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="sxsh.example.vn")
plain = client.get("/accounts/login/")
secure = client.get("/no-such-page/", secure=True, HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "secure_headers": dict(secure.headers),
    "settings": {name: getattr(settings, name) for name in (
        "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF")},
}))
"""


def test_production_settings_send_hsts_redirect_to_https_and_secure_cookies():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="sxsh.example.vn",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cleanprod"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["settings"] == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
    }
    assert probe["plain_status"] == 301
    assert probe["plain_location"] == "https://sxsh.example.vn/accounts/login/"
    headers = probe["secure_headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert parse_policy(headers["Content-Security-Policy"]) == EXPECTED_POLICY
