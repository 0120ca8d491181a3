"""What a role can send to the portal: every page it can open, and on each page every form (GET
and POST, with its fields) and every link with a query string; plus the query parameters the
views read directly. Used by ``test_hostile_params.py``."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "enterprises", "assessments", "training", "reporting", "periods", "cleanprod")
_GET_READ = re.compile(r"request\.GET(?:\.get|\.getlist)?[\(\[]\s*\"([A-Za-z_]+)\"")
# Fields whose value is the form's machinery, not user input.
MACHINERY = {"csrfmiddlewaretoken"}


def params_read_by_views() -> set[str]:
    """Query parameters read by name in the project's code."""
    names: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            names.update(_GET_READ.findall(path.read_text(encoding="utf-8")))
    return names


@dataclass
class Target:
    method: str  # GET or POST
    path: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> the value the page offers

    @property
    def key(self) -> tuple:
        return (self.method, self.path, tuple(sorted(self.fields)))


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self.links: list[str] = []
        self._form: tuple[str, str, dict[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = (a.get("method", "get").upper(), a.get("action", ""), {})
            self.forms.append(self._form)
        elif tag == "a" and "?" in a.get("href", ""):
            self.links.append(a["href"])
        elif self._form is not None and a.get("name"):
            fields = self._form[2]
            name = a["name"]
            if tag == "input" and a.get("type", "text") not in ("submit", "button", "file", "image", "reset"):
                if a.get("type") in ("checkbox", "radio") and "checked" not in a and name in fields:
                    return
                fields.setdefault(name, a.get("value", "on" if a.get("type") == "checkbox" else ""))
            elif tag == "select":
                self._select = name
                fields.setdefault(name, "")
            elif tag == "textarea":
                self._textarea = name
                fields.setdefault(name, "")
        if tag == "option" and self._form is not None and self._select:
            fields = self._form[2]
            if not fields.get(self._select) or "selected" in a:
                fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[2][self._textarea] = data


def _portal_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith(("/static/", "/admin/")):
        return False
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def targets_of_page(path: str, html: str) -> list[Target]:
    parser = _PageParser()
    parser.feed(html)
    found: list[Target] = []
    for method, action, fields in parser.forms:
        action_path = urlsplit(action).path or path
        if not _portal_path(action_path):
            continue
        values = {k: v for k, v in fields.items() if k not in MACHINERY}
        if method == "GET":
            values.update(dict(parse_qsl(urlsplit(action).query)))
        found.append(Target(method if method in ("GET", "POST") else "GET", action_path, values))
    for href in parser.links:
        parts = urlsplit(href)
        link_path = parts.path or path
        if _portal_path(link_path):
            found.append(Target("GET", link_path, dict(parse_qsl(parts.query, keep_blank_values=True))))
    return found


def encode(value: str) -> str:
    """Percent-encoded UTF-8; lone surrogates become the malformed bytes they stand for."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def query(values: dict[str, str]) -> str:
    return "&".join(f"{encode(k)}={encode(v)}" for k, v in values.items())


def send(client: Client, target: Target, values: dict[str, str]):
    """One request with ``values`` (raw-encoded, so malformed Unicode reaches the server), in a
    savepoint rolled back afterwards, the client's cookies restored (a logout form clears them)."""
    cookies = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            try:
                if target.method == "GET":
                    response = client.get(f"{target.path}?{query(values)}")
                else:
                    response = client.post(
                        target.path, data=query(values), content_type="application/x-www-form-urlencoded"
                    )
                if getattr(response, "streaming", False):
                    b"".join(response.streaming_content)
            finally:
                transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return response


def discover(client: Client, pages: Iterable[str]) -> list[Target]:
    """Every distinct target reachable from ``pages`` (each page itself as a GET target too)."""
    seen: dict[tuple, Target] = {}
    for page in pages:
        response = send(client, Target("GET", page), {})
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for target in [Target("GET", page), *targets_of_page(page, response.content.decode())]:
            seen.setdefault(target.key, target)
    return list(seen.values())
