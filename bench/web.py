"""Web benchmarks: ``python bench/web.py --size city|national``.

Server time per request, measured around Django's test client in this process (no network, DEBUG
off, the benchmark database built by ``bench/dataset.py``), as median and p95 of ``--repeat``
requests after ``--warmup`` requests:

- the enterprise list with a diacritic-free search and two filters, as DOIT and as an officer, and
  the Django admin changelist doing the same search and filters as a superuser (ratio admin/portal);
- the same list without a search (the first page everyone opens);
- the dashboard of DOIT, of an officer and of enterprise staff: the computation of its figures as a
  worker runs it (``refresh_dashboard``, ``refresh_enterprise_dashboard``), then the request cold
  (cache cleared before each request, the figures the worker computed kept in PostgreSQL), warm, and
  first ever (nothing cached or stored: the page says the figures are being prepared and queues
  their computation; no request computes them);
- the number of SQL queries of every list page and dashboard;
- EXPLAIN (ANALYZE, BUFFERS) of the list's search queries and of the admin's.

The cache is the one the settings name (Redis when ``REDIS_URL`` is set, as in production).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import collect_static, parse_args, save, setup, summary  # noqa: E402

SEARCH = "hung thinh"  # "Hưng Thịnh", a company-name fragment typed without accents
BROAD_SEARCH = "dong"  # matches "Đông", "Đồng", "Đống": a large share of names and addresses
FILTERS = {"size": "small", "active": "true"}
ADMIN_FILTERS = {"size__exact": "small", "active__exact": "1"}
BENCH_ADMIN = "bench-admin"


def extra_args(parser) -> None:
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "30")))
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--cold-repeat", type=int, default=5, help="cold dashboards (seconds each at national size): fewer runs"
    )


def signed_in_client(user):
    """A test client signed in as ``user``, past the second factor when the user has or needs one
    (as after entering a code)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:  # no second factor in this version of the portal
        return client
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and getattr(user, "requires_second_factor", False):
        device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def bench_users():
    from accounts.demo import DEMO_OFFICER_COMMUNE
    from accounts.models import Role, User

    doit = User.objects.filter(role=Role.DOIT, is_active=True).order_by("username").first()
    officer = (
        User.objects.filter(role=Role.OFFICER, is_active=True, commune__code=DEMO_OFFICER_COMMUNE)
        .order_by("username")
        .first()
    )
    # The demo enterprise's staff (seed_demo), or else the first enterprise staff account.
    staff = User.objects.filter(role=Role.ENTERPRISE, is_active=True)
    enterprise = staff.filter(username="doanhnghiep").first() or staff.order_by("pk").first()
    admin = User.objects.filter(username=BENCH_ADMIN).first()
    if admin is None:
        admin = User.objects.create_superuser(BENCH_ADMIN, f"{BENCH_ADMIN}@example.vn", None)
    return {"doit": doit, "officer": officer, "enterprise": enterprise, "admin": admin}


DASHBOARD_ROLES = ("doit", "officer", "enterprise")


class Dashboards:
    """The dashboard each benchmark user opens: computed as a worker does, or forgotten."""

    def __init__(self, users: dict) -> None:
        from django.conf import settings

        from reporting import dashboard

        self.year = dashboard.latest_verified_year()
        self.language = settings.LANGUAGE_CODE  # the benchmark clients choose no language
        self.officer_commune = users["officer"].commune.code
        self.enterprise_id = users["enterprise"].enterprise_id

    def names(self, role: str) -> list[str]:
        from reporting import dashboard

        if role == "enterprise":
            return [f"enterprise:{self.enterprise_id}"]
        code, for_city_staff = (None, True) if role == "doit" else (self.officer_commune, False)
        return [dashboard._figures_name(self.year, code, for_city_staff, self.language)]

    def compute(self, role: str) -> None:
        """What the worker runs for this dashboard (nothing cached: it computes)."""
        from django.core.cache import cache

        from reporting import dashboard
        from reporting.enterprise_dashboard import refresh_enterprise_dashboard

        cache.clear()
        if role == "enterprise":
            assert refresh_enterprise_dashboard(self.enterprise_id)
        else:
            code, for_city_staff = (None, True) if role == "doit" else (self.officer_commune, False)
            assert dashboard.refresh_dashboard(self.year, code, for_city_staff, self.language)

    def forget(self, role: str) -> None:
        """Nothing cached or stored for this dashboard (never computed)."""
        from django.core.cache import cache

        from reporting.models import DashboardSnapshot

        cache.clear()
        DashboardSnapshot.objects.filter(name__in=self.names(role)).delete()


def timed_call(function, *, repeat: int, before=None) -> dict:
    samples = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return summary(samples)


def timed(client, url: str, params: dict, *, repeat: int, warmup: int, before=None) -> dict:
    for _ in range(warmup):
        if before:
            before()
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.status_code)
    samples = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
    return summary(samples)


def query_count(client, url: str, params: dict | None = None, *, before=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params or {})  # the first request of a session writes the session stamp
    if before:
        before()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def explain_list(user, params: dict) -> dict[str, str]:
    """The two queries of the portal's list page: the count and the first page."""
    from django.http import QueryDict

    from enterprises.filters import EnterpriseFilter
    from enterprises.selectors import enterprises_for
    from enterprises.views import PAGE_SIZE

    data = QueryDict(mutable=True)
    data.update(params)
    qs = EnterpriseFilter(data, queryset=enterprises_for(user), user=user).qs
    count_sql, count_params = qs.order_by().values("pk").query.sql_with_params()
    page_sql, page_params = qs[:PAGE_SIZE].query.sql_with_params()
    return {
        "count": explain(f"SELECT count(*) FROM ({count_sql}) AS rows", count_params),  # noqa: S608
        "page": explain(page_sql, page_params),
    }


def explain_admin(admin_user, params: dict) -> dict[str, str]:
    from django.contrib import admin
    from django.test import RequestFactory

    from enterprises.models import Enterprise

    request = RequestFactory().get("/admin/enterprises/enterprise/", params)
    request.user = admin_user
    changelist = admin.site._registry[Enterprise].get_changelist_instance(request)
    qs = changelist.queryset
    count_sql, count_params = qs.order_by().values("pk").query.sql_with_params()
    page_sql, page_params = qs[: changelist.list_per_page].query.sql_with_params()
    return {
        "count": explain(f"SELECT count(*) FROM ({count_sql}) AS rows", count_params),  # noqa: S608
        "page": explain(page_sql, page_params),
    }


def matches(user, params: dict) -> int:
    from django.http import QueryDict

    from enterprises.filters import EnterpriseFilter
    from enterprises.selectors import enterprises_for

    data = QueryDict(mutable=True)
    data.update(params)
    return EnterpriseFilter(data, queryset=enterprises_for(user), user=user).qs.count()


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    with open("/proc/meminfo", encoding="ascii") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "cpus": os.cpu_count(),
        "ram_gb": round(mem_kb / 2**20, 1),
        "postgresql": pg,
        "python": sys.version.split()[0],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> dict:
    options = parse_args("Web benchmarks", argv, extra=extra_args)
    setup(options.size)
    collect_static()
    from celery import current_app
    from django.conf import settings
    from django.core.cache import cache, caches
    from django.urls import reverse

    from enterprises.models import Enterprise

    if settings.CELERY_TASK_ALWAYS_EAGER:
        print("warning: no REDIS_URL: tasks run in the request, so cold and first dashboards include the computation")

    users = bench_users()
    clients = {name: signed_in_client(user) for name, user in users.items()}
    run = {"repeat": options.repeat, "warmup": options.warmup}
    runs = {**run, "cold_repeat": options.cold_repeat}
    enterprises_url = reverse("enterprises:list")
    admin_url = reverse("admin:enterprises_enterprise_changelist")
    search = {"q": SEARCH, **FILTERS}
    broad = {"q": BROAD_SEARCH, **FILTERS}
    admin_search = {"q": SEARCH, **ADMIN_FILTERS}
    admin_broad = {"q": BROAD_SEARCH, **ADMIN_FILTERS}
    started_load = os.getloadavg()

    timings: dict[str, dict] = {}
    for role in ("doit", "officer"):
        client = clients[role]
        timings[f"enterprise_list_search_{role}"] = timed(client, enterprises_url, search, **run)
        timings[f"enterprise_list_broad_search_{role}"] = timed(client, enterprises_url, broad, **run)
        timings[f"enterprise_list_first_page_{role}"] = timed(client, enterprises_url, {}, **run)
    timings["admin_changelist_search"] = timed(clients["admin"], admin_url, admin_search, **run)
    timings["admin_changelist_broad_search"] = timed(clients["admin"], admin_url, admin_broad, **run)

    dashboards = Dashboards(users)
    for role in DASHBOARD_ROLES:
        client = clients[role]
        # The worker: the computation a first request used to make (the figures are then stored).
        timings[f"dashboard_worker_{role}"] = timed_call(
            lambda role=role: dashboards.compute(role), repeat=options.cold_repeat
        )
        # Cold: the cache is empty (Redis restarted or flushed); the figures the worker computed
        # are in PostgreSQL and a refresh is queued for a worker.
        timings[f"dashboard_cold_{role}"] = timed(client, "/", {}, before=cache.clear, **run)
        dashboards.compute(role)  # current figures in the cache, as after the worker's refresh
        timings[f"dashboard_warm_{role}"] = timed(client, "/", {}, **run)
        # First ever: nothing cached or stored; the page says the figures are being prepared and
        # queues their computation (with a broker; without one, tasks run in the request).
        timings[f"dashboard_first_{role}"] = timed(
            client, "/", {}, before=lambda role=role: dashboards.forget(role), **run
        )
        dashboards.compute(role)
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        current_app.control.purge()  # the refreshes queued above (no worker runs here)

    admin_ms = timings["admin_changelist_search"]["median_ms"]
    admin_broad_ms = timings["admin_changelist_broad_search"]["median_ms"]
    ratios = {
        f"admin_over_portal_{role}": round(admin_ms / timings[f"enterprise_list_search_{role}"]["median_ms"], 1)
        for role in ("doit", "officer")
    } | {
        f"admin_over_portal_broad_{role}": round(
            admin_broad_ms / timings[f"enterprise_list_broad_search_{role}"]["median_ms"], 1
        )
        for role in ("doit", "officer")
    }

    pages = {
        "enterprises": (enterprises_url, {}),
        "enterprises_search": (enterprises_url, search),
        "assessments": (reverse("assessments:list"), {}),
        "savings": (reverse("savings:list"), {}),
        "training_officers": (reverse("training:officers"), {}),
        "training_courses": (reverse("training:courses"), {}),
        "training_coverage": (reverse("training:coverage"), {}),
        "reports": (reverse("reporting:list"), {}),
        "users": (reverse("accounts:users"), {}),
    }
    queries: dict[str, dict[str, int]] = {}
    for role in ("doit", "officer"):
        counts = {name: query_count(clients[role], url, params) for name, (url, params) in pages.items()}
        queries[role] = counts
    for role in DASHBOARD_ROLES:
        counts = queries.setdefault(role, {})
        counts["dashboard_cold"] = query_count(clients[role], "/", before=cache.clear)
        dashboards.compute(role)
        counts["dashboard_warm"] = query_count(clients[role], "/")
        counts["dashboard_first"] = query_count(clients[role], "/", before=lambda role=role: dashboards.forget(role))
        dashboards.compute(role)
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        current_app.control.purge()
    queries["admin"] = {"admin_changelist_search": query_count(clients["admin"], admin_url, admin_search)}

    plans = {
        "portal_doit": explain_list(users["doit"], search),
        "portal_officer": explain_list(users["officer"], search),
        "admin": explain_admin(users["admin"], admin_search),
    }
    index_used = all("enterprise_search_key_trgm" in plan["count"] for key, plan in plans.items() if key != "admin")

    data = {
        "size": options.size,
        "runs": runs,
        "enterprises": Enterprise.objects.count(),
        "machine": machine() | {"load_average_at_start": [round(x, 2) for x in started_load]},
        "search": {"portal": search, "admin": admin_search, "broad": BROAD_SEARCH},
        "matches": {
            "search_doit": matches(users["doit"], search),
            "search_officer": matches(users["officer"], search),
            "broad_doit": matches(users["doit"], broad),
            "broad_officer": matches(users["officer"], broad),
        },
        "cache": type(caches["default"]).__name__,
        "timings": timings,
        "ratios": ratios,
        "queries": queries,
        "search_uses_trigram_index": index_used,
        "explain": plans,
        "goals": {
            "list_median_under_100ms": all(
                timings[f"enterprise_list_search_{role}"]["median_ms"] < 100 for role in ("doit", "officer")
            ),
            "admin_ratio_at_least_3": all(ratios[f"admin_over_portal_{role}"] >= 3 for role in ("doit", "officer")),
            "dashboard_cold_under_300ms": all(
                timings[f"dashboard_cold_{role}"]["median_ms"] < 300 for role in DASHBOARD_ROLES
            ),
            "dashboard_first_under_300ms": all(
                timings[f"dashboard_first_{role}"]["median_ms"] < 300 for role in DASHBOARD_ROLES
            ),
        },
    }
    save("web", options.size, data)
    return data


if __name__ == "__main__":
    main()
