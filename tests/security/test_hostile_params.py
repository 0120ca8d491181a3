"""Hostile values in every GET parameter of every page and every field of every form, as every
role: NUL bytes, huge and negative numbers, out-of-range dates, huge years, very long strings and
malformed Unicode. The portal never answers with a server error (5xx or an exception).

The pages are every portal URL pattern (with objects of the role's own scope, from the
authorization matrix) and the admin's change lists; on each page that opens, every form (GET and
POST, with the values the page offers) and every link with a query string is a target, plus the
query parameters the views read by name. Two tests:

- a sweep: every field of every target with each of ``KILLERS`` (all fields at once);
- a property test (hypothesis): random hostile values in random fields of random targets.

Each request runs in a savepoint rolled back afterwards, so writes never pile up.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from .hostile_pages import Target, discover, params_read_by_views, send
from .strategies import THROUGH_VIEWS, hostile_text
from .test_url_matrix import (
    DOIT,
    FIXED,
    NEEDS_IMPORT_JOB,
    OFFICER,
    ROUTES,
    SCOPED,
    STAFF,
    SUPERUSER,
    _with_query,
    build_path,
    import_job_for,
    world,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.django_db

ANON = "anonymous"
ROLES = (ANON, DOIT, OFFICER, STAFF, SUPERUSER)

# The values that broke pages before, each sent in every field of every target; the parameters
# views read by name get the last three on every portal page (a NUL is refused before any view
# runs: test_nul_anywhere_is_refused_before_any_view).
KILLERS = ["\x00", "\ud800\udfff\xff" + "A" * 3000, "-99999999999999999999", "01/01/0001", "31/12/9999"]

hostile_value = st.one_of(
    hostile_text,
    st.sampled_from(KILLERS),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(lambda d: d.strftime("%d/%m/") + str(d.year)),
    st.tuples(st.integers(-5, 99), st.integers(-5, 99), st.integers(-99999, 10**9)).map(
        lambda t: f"{t[0]:02d}/{t[1]:02d}/{t[2]}"
    ),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=50),
)


def pages(role: str, w: SimpleNamespace) -> list[str]:
    side = w.sides["A"]
    found = []
    for route in ROUTES:
        if route.is_admin:
            if role == SUPERUSER and route.key.endswith("_changelist"):
                found.append(build_path(route, {}))
            continue
        if "<" in route.route and route.key not in SCOPED | FIXED:
            continue
        if route.key in NEEDS_IMPORT_JOB:  # the role's own import job (DOIT's for a visitor)
            side.import_job = import_job_for(w.users.get(role, w.users[DOIT]), route.key, side)
        kwargs = SCOPED[route.key](side) if route.key in SCOPED else FIXED[route.key](w) if route.key in FIXED else {}
        found.append(_with_query(build_path(route, kwargs), kwargs))
    return found


def client_for(role: str, w: SimpleNamespace, login) -> Client:
    return Client() if role == ANON else login(w.users[role])


def targets_for(role: str, w: SimpleNamespace, login) -> tuple[Client, list[Target], list[Target]]:
    """The role's client, the targets found on its pages, and every page that opens with the
    parameters views read by name."""
    client = client_for(role, w, login)
    targets = discover(client, pages(role, w))
    read = params_read_by_views()
    by_name = [
        Target("GET", t.path, dict.fromkeys(read, ""))
        for t in targets
        if t.method == "GET" and not t.fields and not t.path.startswith("/admin/")
    ]
    return client, [t for t in targets if t.fields], by_name


def failure(client: Client, target: Target, values: dict[str, str]) -> str | None:
    try:
        response = send(client, target, values)
    except Exception as exc:  # noqa: BLE001 - the test client re-raises what would be a 500
        return f"{target.method} {target.path} {sorted(values)}: raised {exc!r}"[:400]
    if response.status_code >= 500:
        return f"{target.method} {target.path} {values!r:.200}: {response.status_code}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_every_field_of_every_target_with_each_killer_value_answers_without_a_server_error(role, world, login):  # noqa: F811
    client, targets, by_name = targets_for(role, world, login)
    assert by_name, "no page opened"
    assert role == ANON or len(targets) > 10, "the role's pages offered almost no forms or links"
    failures, sent = [], 0
    cases = [(t, value) for t in targets for value in KILLERS] + [(t, value) for t in by_name for value in KILLERS[2:]]
    for target, value in cases:
        sent += 1
        problem = failure(client, target, dict.fromkeys(target.fields, value))
        if problem:
            failures.append(problem)
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("role", ROLES)
def test_random_hostile_values_in_random_fields_answer_without_a_server_error(role, world, login):  # noqa: F811
    client, targets, by_name = targets_for(role, world, login)
    targets += by_name

    @THROUGH_VIEWS
    @given(data=st.data())
    def run(data):
        target = data.draw(st.sampled_from(targets), label="target")
        names = sorted(target.fields)
        chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
        values = dict(target.fields)
        for name in chosen:
            values[name] = data.draw(hostile_value, label=name)
        problem = failure(client, target, values)
        assert problem is None, problem

    run()
