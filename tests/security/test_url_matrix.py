"""The authorization matrix: every URL pattern of the project, resolved from the URL conf (through
every include, the admin and i18n included), requested by every role with GET and POST, on objects
inside and outside the user's scope, and compared with the expectation declared for its URL name.

- anonymous → the login page (the admin's own login page for /admin/);
- out of scope → 404, the same answer as for an object that does not exist;
- a role that may read but not write → 403 on writes;
- allowed → 200, or the redirect (or form error status) that POST gives.

A pattern without a declared expectation fails ``test_every_url_pattern_has_a_declared_expectation``
(and its group's matrix test), so a new view cannot escape the matrix. POSTs carry no data: they
prove that the scope and role checks come before any validation. Each request runs in a savepoint
that is rolled back, so one role's successful write never changes what the next role sees.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern

pytestmark = pytest.mark.django_db

# --------------------------------------------------------------------------- outcomes and roles

LOGIN = "login page"  # 302 to the portal's login page
ADMIN_LOGIN = "admin login page"  # 302 to the admin's login page
ADMIN_INDEX = "admin index"  # 302 to the admin's index (which sends non-staff on to its login page)
OK, REDIRECT, BAD, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 302, 400, 403, 404, 405  # REDIRECT: not to a login page

ANON, DOIT, OFFICER, STAFF, SUPERUSER = "anonymous", "doit", "officer", "enterprise staff", "superuser"
IN, OUT = "in scope", "out of scope"
GET, POST = "GET", "POST"

Outcome = int | str


@dataclass(frozen=True)
class Expect:
    """What each role gets from one URL. ``get``/``post``: (DOIT, officer, enterprise staff) on
    objects of their own scope; ``anon``: (GET, POST) for a visitor who is not signed in;
    ``superuser``: (GET, POST), DOIT's when not given; ``out``: role → (GET, POST) on objects
    outside the role's scope, 404 when not given (405 stays 405: the method is refused first)."""

    get: tuple[Outcome, Outcome, Outcome]
    post: tuple[Outcome, Outcome, Outcome]
    anon: tuple[Outcome, Outcome] = (LOGIN, LOGIN)
    superuser: tuple[Outcome, Outcome] | None = None
    out: dict[str, tuple[Outcome, Outcome]] = field(default_factory=dict)

    def expected(self, role: str, scope: str, method: str) -> Outcome:
        m = 0 if method == GET else 1
        if role == ANON:
            return self.anon[m]
        if role == SUPERUSER:
            return self.superuser[m] if self.superuser else (self.get, self.post)[m][0]
        inside = (self.get, self.post)[m][{DOIT: 0, OFFICER: 1, STAFF: 2}[role]]
        if scope == IN:
            return inside
        if role in self.out:
            return self.out[role][m]
        return NOT_ALLOWED if inside == NOT_ALLOWED else NOT_FOUND


def E(get: Outcome | tuple, post: Outcome | tuple, **kwargs: Any) -> Expect:
    def three(value):
        return value if isinstance(value, tuple) else (value, value, value)

    anon = kwargs.pop("anon", LOGIN)
    return Expect(three(get), three(post), anon=anon if isinstance(anon, tuple) else (anon, anon), **kwargs)


PUBLIC = {"anon": (OK, OK)}
STAFF_REFUSED = {STAFF: (FORBIDDEN, FORBIDDEN)}  # enterprise staff are refused before any lookup

# --------------------------------------------------------------------------- the declared matrix
# Keyed by URL name ("namespace:name"); an unnamed pattern is keyed by its route. Superusers
# (administrators) hold every permission (Django's rule), so they may also act as an officer.

MATRIX: dict[str, Expect] = {
    "dashboard": E(OK, OK),
    # Sign-in and password pages (Django's views).
    "login": E(REDIRECT, REDIRECT, **PUBLIC),  # a signed-in user is sent on to the dashboard
    "logout": E(NOT_ALLOWED, LOGIN, anon=(NOT_ALLOWED, LOGIN)),  # POST only, then the login page
    "password_change": E(OK, OK),
    "password_change_done": E(OK, NOT_ALLOWED),
    "password_reset": E(OK, OK, **PUBLIC),
    "password_reset_done": E(OK, NOT_ALLOWED, anon=(OK, NOT_ALLOWED)),
    "password_reset_confirm": E(OK, OK, **PUBLIC),  # a bad token: the "invalid link" page
    "password_reset_complete": E(OK, NOT_ALLOWED, anon=(OK, NOT_ALLOWED)),
    # Second factor (own account only): DOIT staff and administrators already have a confirmed,
    # verified authenticator; officers and enterprise staff have none.
    "otp_verify": E(REDIRECT, REDIRECT),  # nothing owed: on to the dashboard; anonymous: sign in first
    "otp_status": E(OK, NOT_ALLOWED),
    "otp_setup": E((REDIRECT, OK, OK), (REDIRECT, OK, OK)),  # DOIT: already on
    # the enrolment link sent by e-mail (a bad token here: back to the setup page); GET only
    "otp_enrol": E(REDIRECT, NOT_ALLOWED, anon=(LOGIN, NOT_ALLOWED)),
    "otp_disable": E(NOT_ALLOWED, REDIRECT),  # nothing to turn off, or not allowed to: back to the status
    "health": E(OK, NOT_ALLOWED, anon=(OK, NOT_ALLOWED)),
    "favicon": E(
        REDIRECT, NOT_ALLOWED, anon=(REDIRECT, NOT_ALLOWED)
    ),  # to the static icon  # figures only: no path, host or version
    "set_language": E(REDIRECT, REDIRECT, anon=(REDIRECT, REDIRECT)),  # back to the page (or home)
    # Accounts: DOIT manages officers and enterprise staff, an officer their district's staff.
    "accounts:users": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN)),
    "accounts:user_create": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN)),
    "accounts:user_edit": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN), out=STAFF_REFUSED),
    "accounts:user_otp_reset": E(NOT_ALLOWED, (REDIRECT, REDIRECT, FORBIDDEN), out={STAFF: (NOT_ALLOWED, FORBIDDEN)}),
    "accounts:audit": E((OK, FORBIDDEN, FORBIDDEN), NOT_ALLOWED),
    "accounts:audit_export": E((OK, FORBIDDEN, FORBIDDEN), NOT_ALLOWED),
    "accounts:user_send_link": E(NOT_ALLOWED, (REDIRECT, REDIRECT, FORBIDDEN), out={STAFF: (NOT_ALLOWED, FORBIDDEN)}),
    # Enterprises.
    "enterprises:list": E(OK, OK),
    "enterprises:create": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN)),
    "enterprises:export": E(OK, OK),
    "enterprises:import": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN)),
    # An import job is its uploader's alone ("in scope": the user's own job; "out": another's).
    "enterprises:import_job": E((OK, OK, FORBIDDEN), NOT_ALLOWED, out={STAFF: (FORBIDDEN, NOT_ALLOWED)}),
    "enterprises:import_confirm": E(
        NOT_ALLOWED, (REDIRECT, REDIRECT, FORBIDDEN), out={STAFF: (NOT_ALLOWED, FORBIDDEN)}
    ),
    "enterprises:import_cancel": E(NOT_ALLOWED, (REDIRECT, REDIRECT, FORBIDDEN), out={STAFF: (NOT_ALLOWED, FORBIDDEN)}),
    "enterprises:detail": E(OK, OK),
    "enterprises:edit": E(OK, OK),  # enterprise staff: the contact fields
    "enterprises:units": E(OK, NOT_ALLOWED),
    # CP contacts and handovers: the commune office (and DOIT) record them; an empty POST gives
    # the form again with its errors. The handover summary is read by everyone who sees the
    # enterprise; its POST (summary read) goes on to the home page.
    "enterprises:contact_create": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN)),
    "enterprises:contact_handover": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN)),
    "enterprises:handover_summary": E(OK, REDIRECT),  # the crosswalk: public knowledge, read by every role
    # The re-homing worklist: DOIT and officers; an empty POST says what to do and goes back.
    "enterprises:rehome": E((OK, OK, FORBIDDEN), (REDIRECT, REDIRECT, FORBIDDEN)),
    # DOIT moves the accounts of the former district offices to communes.
    "accounts:officer_move": E((OK, FORBIDDEN, FORBIDDEN), (REDIRECT, FORBIDDEN, FORBIDDEN)),
    # Assessments: officers draft and submit, DOIT approves or returns, enterprise staff read.
    "assessments:list": E(OK, OK),
    "assessments:create": E((FORBIDDEN, OK, FORBIDDEN), (FORBIDDEN, BAD, FORBIDDEN), superuser=(OK, BAD)),
    "assessments:factors": E((OK, FORBIDDEN, FORBIDDEN), (BAD, FORBIDDEN, FORBIDDEN)),
    "assessments:detail": E(OK, OK),
    "assessments:edit": E((FORBIDDEN, OK, FORBIDDEN), (FORBIDDEN, BAD, FORBIDDEN), superuser=(OK, BAD)),
    # GET: the confirmation step before submitting; POST: submit.
    "assessments:submit": E((FORBIDDEN, OK, FORBIDDEN), (FORBIDDEN, REDIRECT, FORBIDDEN), superuser=(OK, REDIRECT)),
    "assessments:approve": E(NOT_ALLOWED, (REDIRECT, FORBIDDEN, FORBIDDEN)),
    "assessments:return": E(NOT_ALLOWED, (REDIRECT, FORBIDDEN, FORBIDDEN)),
    # Savings reports: enterprise staff draft and submit, the district's officer verifies, DOIT reads.
    "savings:list": E(OK, OK),
    "savings:create": E((FORBIDDEN, FORBIDDEN, OK), (FORBIDDEN, FORBIDDEN, OK)),
    "savings:detail": E(OK, OK),
    "savings:edit": E((FORBIDDEN, FORBIDDEN, OK), (FORBIDDEN, FORBIDDEN, OK), superuser=(OK, OK)),
    "savings:submit": E((FORBIDDEN, FORBIDDEN, OK), (FORBIDDEN, FORBIDDEN, REDIRECT), superuser=(OK, REDIRECT)),
    "savings:verify": E(NOT_ALLOWED, (FORBIDDEN, REDIRECT, FORBIDDEN), superuser=(NOT_ALLOWED, REDIRECT)),
    "savings:return": E(NOT_ALLOWED, (FORBIDDEN, BAD, FORBIDDEN), superuser=(NOT_ALLOWED, BAD)),
    # Reopening a verified report: DOIT (and the officer who verified it, within 30 days).
    "savings:reopen": E(NOT_ALLOWED, (BAD, FORBIDDEN, FORBIDDEN), superuser=(NOT_ALLOWED, BAD)),
    # Bulk review: the district's officers (each report checked as on its own page).
    "savings:bulk_review": E(NOT_ALLOWED, (FORBIDDEN, REDIRECT, FORBIDDEN), superuser=(NOT_ALLOWED, FORBIDDEN)),
    "savings:evidence_upload": E(NOT_ALLOWED, (FORBIDDEN, FORBIDDEN, BAD), superuser=(NOT_ALLOWED, BAD)),
    "savings:evidence_download": E(OK, OK),
    "savings:evidence_delete": E(NOT_ALLOWED, (FORBIDDEN, FORBIDDEN, REDIRECT), superuser=(NOT_ALLOWED, REDIRECT)),
    # Print pages and tagged PDFs: whoever may read the object (the enterprise's summary: its own
    # staff, the officers of its unit, DOIT); read-only, so POST is refused first.
    "print:assessment": E(OK, NOT_ALLOWED),
    "print:assessment_pdf": E(OK, NOT_ALLOWED),
    "print:savings": E(OK, NOT_ALLOWED),
    "print:savings_pdf": E(OK, NOT_ALLOWED),
    "print:enterprise_summary": E(OK, NOT_ALLOWED),
    "print:enterprise_summary_pdf": E(OK, NOT_ALLOWED),
    # Training: DOIT manages, officers read their district's rows, enterprise staff have no pages.
    "training:officers": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN)),
    "training:officer_create": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    "training:officer_detail": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN), out=STAFF_REFUSED),
    "training:officer_edit": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN), out=STAFF_REFUSED),
    "training:courses": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN)),
    "training:course_create": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    "training:attendance_import_template": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    "training:course_detail": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN), out=STAFF_REFUSED),
    "training:course_edit": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN), out=STAFF_REFUSED),
    "training:course_attendance": E(
        NOT_ALLOWED, (OK, FORBIDDEN, FORBIDDEN), out={STAFF: (NOT_ALLOWED, FORBIDDEN)}
    ),  # DOIT: the sheet again, with its error
    "training:participant_add": E(NOT_ALLOWED, (OK, FORBIDDEN, FORBIDDEN), out={STAFF: (NOT_ALLOWED, FORBIDDEN)}),
    "training:participant_remove": E(
        NOT_ALLOWED, (REDIRECT, FORBIDDEN, FORBIDDEN), out={STAFF: (NOT_ALLOWED, FORBIDDEN)}
    ),
    "training:attendance_import": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN), out=STAFF_REFUSED),
    "training:attendance_import_preview": E(
        (OK, FORBIDDEN, FORBIDDEN), (REDIRECT, FORBIDDEN, FORBIDDEN), out=STAFF_REFUSED
    ),  # the user's own import job; POST confirms it
    "training:attendance_import_cancel": E(
        NOT_ALLOWED, (REDIRECT, FORBIDDEN, FORBIDDEN), out={STAFF: (NOT_ALLOWED, FORBIDDEN)}
    ),
    "training:coverage": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN)),
    "training:coverage_export": E((OK, OK, FORBIDDEN), (OK, OK, FORBIDDEN)),
    # Reports: DOIT any scope, an officer their district, enterprise staff none (their summary is the dashboard).
    "reporting:list": E(OK, (OK, OK, FORBIDDEN)),
    "reporting:jobs": E(OK, NOT_ALLOWED),
    "reporting:year_lock": E(NOT_ALLOWED, (BAD, FORBIDDEN, FORBIDDEN)),
    "reporting:year_reopen": E(NOT_ALLOWED, (BAD, FORBIDDEN, FORBIDDEN)),
    "reporting:retry": E(NOT_ALLOWED, (REDIRECT, FORBIDDEN, NOT_FOUND)),  # officer: not their request
    "reporting:retry_failed": E(NOT_ALLOWED, (REDIRECT, REDIRECT, FORBIDDEN)),  # only what each may retry
    "reporting:download": E((OK, OK, NOT_FOUND), NOT_ALLOWED),
    # Notifications: each user their own; one is opened (to the page it names) by its recipient only.
    "notifications:list": E(OK, NOT_ALLOWED),
    "notifications:count": E(OK, NOT_ALLOWED),
    "notifications:read_all": E(NOT_ALLOWED, REDIRECT),
    "notifications:settings": E(OK, OK),  # an empty POST: the form again, with its error
    "notifications:open": E((NOT_FOUND, REDIRECT, NOT_FOUND), NOT_ALLOWED),  # side A's is the officer's
    "reporting:batch_download": E((OK, OK, NOT_FOUND), NOT_ALLOWED),  # the ZIP holds what each may see
    # The detailed data as CSV: the report's scopes (an officer: their commune), 404 otherwise.
    "reporting:detail_csv": E((OK, OK, NOT_FOUND), NOT_ALLOWED),
    "reporting:plans": E((OK, OK, FORBIDDEN), NOT_ALLOWED),
    "reporting:plan_create": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    "reporting:plan_edit": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    "reporting:indicators": E((OK, OK, FORBIDDEN), NOT_ALLOWED),
    "reporting:inputs": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    "reporting:edition_start": E(NOT_ALLOWED, (REDIRECT, FORBIDDEN, FORBIDDEN)),
    "reporting:edition": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    "reporting:edition_issue": E(NOT_ALLOWED, (REDIRECT, FORBIDDEN, FORBIDDEN)),  # DOIT: no number yet
    "reporting:indicator_create": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    "reporting:indicator_edit": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    # Guidance: every role reads the library and the sector results; DOIT alone publishes.
    "guidance:library": E(OK, NOT_ALLOWED),
    "guidance:sectors": E(OK, NOT_ALLOWED),
    "guidance:document": E(OK, NOT_ALLOWED),
    "guidance:document_file": E(OK, NOT_ALLOWED),
    "guidance:document_create": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),  # DOIT: the form's errors
    "guidance:document_edit": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    "guidance:document_delete": E(NOT_ALLOWED, (REDIRECT, FORBIDDEN, FORBIDDEN)),
    # Programme settings (awareness definition, evidence rule): DOIT only; an empty POST shows the form's errors.
    "programme:settings": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    # Data calls: DOIT opens them (an empty POST: the form again, with its errors); DOIT and
    # officers follow them (an officer their commune's part); enterprise staff see their tasks on
    # their home page only.
    "calls:list": E((OK, OK, FORBIDDEN), NOT_ALLOWED),
    "calls:create": E((OK, FORBIDDEN, FORBIDDEN), (OK, FORBIDDEN, FORBIDDEN)),
    "calls:detail": E((OK, OK, FORBIDDEN), NOT_ALLOWED),
}

# --------------------------------------------------------------------------- URL arguments
# An object of the right model for each URL that names one, taken from side A (inside the
# officer's and the enterprise staff's scope) or side B (outside it). URLs listed here are
# checked out of scope too.

SCOPED: dict[str, Callable[[SimpleNamespace], dict[str, Any]]] = {
    "accounts:user_edit": lambda s: {"pk": s.account.pk},
    "accounts:user_send_link": lambda s: {"pk": s.account.pk},
    "accounts:user_otp_reset": lambda s: {"pk": s.account.pk},
    "enterprises:detail": lambda s: {"pk": s.enterprise.pk},
    "enterprises:edit": lambda s: {"pk": s.enterprise.pk},
    "enterprises:contact_create": lambda s: {"pk": s.enterprise.pk},
    "enterprises:contact_handover": lambda s: {"pk": s.enterprise.pk, "contact_pk": s.contact.pk},
    "enterprises:handover_summary": lambda s: {"pk": s.handover.pk},
    "assessments:create": lambda s: {"?": {"enterprise": s.enterprise.pk}},
    "assessments:detail": lambda s: {"pk": s.assessment.pk},
    "assessments:edit": lambda s: {"pk": s.assessment.pk},
    "assessments:submit": lambda s: {"pk": s.assessment.pk},
    "assessments:approve": lambda s: {"pk": s.assessment.pk},
    "assessments:return": lambda s: {"pk": s.assessment.pk},
    "savings:detail": lambda s: {"pk": s.report.pk},
    "savings:edit": lambda s: {"pk": s.report.pk},
    "savings:submit": lambda s: {"pk": s.report.pk},
    "savings:verify": lambda s: {"pk": s.report.pk},
    "savings:return": lambda s: {"pk": s.report.pk},
    "savings:reopen": lambda s: {"pk": s.report.pk},
    "savings:evidence_upload": lambda s: {"pk": s.report.pk},
    "savings:evidence_download": lambda s: {"pk": s.report.pk, "evidence_pk": s.evidence.pk},
    "savings:evidence_delete": lambda s: {"pk": s.report.pk, "evidence_pk": s.evidence.pk},
    "print:assessment": lambda s: {"pk": s.assessment.pk},
    "print:assessment_pdf": lambda s: {"pk": s.assessment.pk},
    "print:savings": lambda s: {"pk": s.report.pk},
    "print:savings_pdf": lambda s: {"pk": s.report.pk},
    "print:enterprise_summary": lambda s: {"pk": s.enterprise.pk},
    "print:enterprise_summary_pdf": lambda s: {"pk": s.enterprise.pk},
    "training:officer_detail": lambda s: {"pk": s.officer.pk},
    "training:officer_edit": lambda s: {"pk": s.officer.pk},
    "training:course_detail": lambda s: {"pk": s.course.pk},
    "training:course_edit": lambda s: {"pk": s.course.pk},
    "training:course_attendance": lambda s: {"pk": s.course.pk},
    "training:participant_add": lambda s: {"pk": s.workshop.pk},
    "training:participant_remove": lambda s: {"pk": s.workshop.pk, "participation_pk": s.participation.pk},
    "enterprises:import_job": lambda s: {"pk": s.import_job.pk},
    "enterprises:import_confirm": lambda s: {"pk": s.import_job.pk},
    "enterprises:import_cancel": lambda s: {"pk": s.import_job.pk},
    "training:attendance_import": lambda s: {"pk": s.course.pk},
    "training:attendance_import_preview": lambda s: {"pk": s.course.pk, "job": s.import_job.pk},
    "training:attendance_import_cancel": lambda s: {"pk": s.course.pk, "job": s.import_job.pk},
    "reporting:download": lambda s: {"pk": s.job.pk},
    "notifications:open": lambda s: {"pk": s.notification.pk},
    "reporting:batch_download": lambda s: {"pk": s.batch.pk},
    "reporting:detail_csv": lambda s: {"?": {"year": 2023, "commune": s.enterprise.commune_id}},
    "reporting:retry": lambda s: {"pk": s.job.pk},
}

# URLs that name an object nobody is scoped on (or a token): the same arguments for everyone.
FIXED: dict[str, Callable[[SimpleNamespace], dict[str, Any]]] = {
    "reporting:plan_edit": lambda w: {"pk": w.plan.pk},
    "reporting:indicator_edit": lambda w: {"pk": _indicator_pk("aware_share")},
    "reporting:edition": lambda w: {"pk": _edition_pk(w)},
    "reporting:edition_issue": lambda w: {"pk": _edition_pk(w)},
    "calls:detail": lambda w: {"pk": _call_pk()},
    "password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "bad-token"},
    "otp_enrol": lambda w: {"uidb64": "MQ", "token": "bad-token"},
    "guidance:document": lambda w: {"pk": _document_pk(w, with_file=False)},
    "guidance:document_edit": lambda w: {"pk": _document_pk(w, with_file=False)},
    "guidance:document_delete": lambda w: {"pk": _document_pk(w, with_file=False)},
    "guidance:document_file": lambda w: {"pk": _document_pk(w, with_file=True)},
}


def _document_pk(w: SimpleNamespace, *, with_file: bool) -> int:
    """A library document (a link, or an uploaded PDF) nobody is scoped on."""
    from django.core.files.base import ContentFile

    from guidance.models import Document

    title = "Tệp thử" if with_file else "Liên kết thử"
    found = Document.objects.filter(title=title).first()
    if found is not None:
        return found.pk
    document = Document(title=title, kind="manual", issuer="Bộ Công Thương", published_by=w.users[DOIT])
    if with_file:
        document.file.save("thu.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        document.original_name = "thu.pdf"
    else:
        document.url = "https://moit.gov.vn/"
    document.save()
    return document.pk


def _indicator_pk(code: str) -> int:
    from reporting.models import Indicator

    indicator, _ = Indicator.objects.get_or_create(
        code=code, defaults={"name_vi": code, "name_en": code, "measure": code, "built_in": True}
    )
    return indicator.pk


def _call_pk() -> int:
    import datetime as dt

    from assessments.models import DataCall

    call, _ = DataCall.objects.get_or_create(year=2025, period="Y", scope="implemented", due_date=dt.date(2026, 3, 31))
    return call.pk


def _edition_pk(w: SimpleNamespace) -> int:
    from reporting.models import ReportEdition

    text = "Nội dung"
    edition, _ = ReportEdition.objects.get_or_create(
        year=2023,
        district=None,
        defaults={
            "addressees": "Bộ Công Thương",
            "recipients": "Như trên",
            "signer_title": "GIÁM ĐỐC",
            "results": text,
            "difficulties": text,
            "recommendations": text,
            "next_tasks": text,
            "created_by": w.users[DOIT],
        },
    )
    return edition.pk


NEEDS_IMPORT_JOB = {
    "enterprises:import_job",
    "enterprises:import_confirm",
    "enterprises:import_cancel",
    "training:attendance_import_preview",
    "training:attendance_import_cancel",
}


def import_job_for(user, route_key: str, side: SimpleNamespace):
    """A previewed import job of ``user`` for the URL ``route_key`` (an attendance list of the
    side's course for the training URLs), with one row in error, so that its page lists it and a
    confirmation only says it cannot be confirmed."""
    from enterprises.models import ImportJob

    if route_key.startswith("training:"):
        fields: dict[str, Any] = {"kind": "attendance", "target_id": side.course.pk}
        row = {"number": 2, "full_name": "Nguyễn Văn Học", "district": "Đống Đa", "position": "Chuyên viên"}
        row |= {"passed": True, "certificate_number": "", "officer_url": "", "is_error": True}
        counts = {"matched_count": 0, "new_officer_count": 0, "passed_count": 0}
    else:
        fields = {"kind": "enterprises"}
        row = {"number": 2, "status": "error", "tax_code": "0100109106", "name": "Công ty TNHH Thử"}
        row |= {"changed": True, "is_error": True}
        counts = {"total": 1, "new_count": 0, "updated_count": 0, "unchanged_count": 0, "hidden_count": 0}
    row["errors"] = ["Mã xã, phường: cần có giá trị."]
    summary = {"ok": False, "error_count": 1, "rows": [row], **counts}
    return ImportJob.objects.create(requester=user, status="done", summary=summary, original_name="d.xlsx", **fields)


def import_job_of(client: Client, world: SimpleNamespace, route_key: str, side: SimpleNamespace, *, own: bool):
    """The client's own import job (``own``), or DOIT staff's (someone else's)."""
    user_id = client.session.get("_auth_user_id")
    requester = world.users[DOIT] if not own or user_id is None else type(world.users[DOIT]).objects.get(pk=user_id)
    return import_job_for(requester, route_key, side)


# --------------------------------------------------------------------------- the admin, by rule
# Every admin pattern is requested. Anyone who is not staff (anonymous, DOIT, officers,
# enterprise staff: no portal role is admin staff) is sent to the admin's login page, for GET and
# POST, except on that login page itself. A superuser gets 200 on GET, except these.

ADMIN_SUPERUSER_GET: list[tuple[str, Outcome]] = [
    (r"^admin:login$", REDIRECT),  # already signed in: on to the index
    (r"^admin:logout$", NOT_ALLOWED),  # POST only
    (r"^admin:autocomplete$", FORBIDDEN),  # without its query parameters
    (r"^admin:view_on_site$", REDIRECT),  # to the object's own page
    (r"^admin/[a-z_]+/[a-z_]+/<path:object_id>/$", REDIRECT),  # old-style object URL → its change page
    (r"^admin/\(\?P<url>\.\*\)\$$", NOT_FOUND),  # the catch-all, for a page that does not exist
    (r"^admin:(periods_yearlock|periods_yearlockevent|reporting_reportjob|notifications_notification)_add$", FORBIDDEN),
    (r"^admin:(periods_yearlock|periods_yearlockevent)_delete$", FORBIDDEN),
    (r"^admin:(axes_accessattempt|axes_accesslog|axes_accessfailurelog)_add$", FORBIDDEN),
    (r"^admin:otp_totp_totpdevice_(config|qrcode)$", FORBIDDEN),  # authenticator secrets are never shown
]


def admin_superuser_get(key: str) -> Outcome:
    for pattern, outcome in ADMIN_SUPERUSER_GET:
        if re.search(pattern, key):
            return outcome
    return OK


def admin_expected(key: str, role: str, method: str) -> Outcome:
    if role == SUPERUSER:
        return admin_superuser_get(key)
    if key == "admin:login":
        return OK  # the form (with its errors for an empty POST); signed-in non-staff are told they may not enter
    if key == "admin:logout":
        return ADMIN_INDEX  # Django's admin sends non-staff from its logout to its index, then to its login
    return ADMIN_LOGIN


# --------------------------------------------------------------------------- URL conf walking


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route of an unnamed pattern
    route: str
    parts: tuple  # the pattern of every level, from the root URL conf down
    callback: Callable

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def group(self) -> str:
        if self.is_admin:
            model = admin_model(self)
            return f"admin:{model._meta.app_label}" if model is not None else "admin:site"
        return self.key.split(":")[0] if ":" in self.key else "project"


def project_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(resolver: URLResolver, parts: tuple, namespaces: tuple) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, (*parts, entry.pattern), (*namespaces, entry.namespace) if entry.namespace else namespaces)
            else:
                chain = (*parts, entry.pattern)
                route = "".join(str(p) for p in chain)
                key = ":".join((*namespaces, entry.name)) if entry.name else route
                routes.append(Route(key, route, chain, entry.callback))

    walk(get_resolver(), (), ())
    return routes


def admin_model(route: Route):
    """The model of an admin pattern (None for the site's own pages)."""
    view = route.callback
    model_admin = getattr(view, "model_admin", None) or getattr(getattr(view, "__wrapped__", None), "__self__", None)
    return getattr(model_admin, "model", None)


_ROUTE_PARAM = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)|\([^?][^)]*\)")


def build_path(route: Route, values: dict[str, Any], positional: list[Any] | tuple = ()) -> str:
    """The path of ``route`` with its parameters filled in (works for unnamed patterns too)."""
    pieces = []
    remaining = iter(positional)
    for pattern in route.parts:
        if isinstance(pattern, RoutePattern):
            pieces.append(_ROUTE_PARAM.sub(lambda m: str(values[m["name"]]), str(pattern)))
        elif isinstance(pattern, RegexPattern):
            text = str(pattern).removeprefix("^").removesuffix("$")
            text = _REGEX_GROUP.sub(lambda m: str(values[m["name"]] if m["name"] else next(remaining)), text)
            pieces.append(text.replace("\\", ""))
        elif isinstance(pattern, LocalePrefixPattern):
            pieces.append(pattern.language_prefix)
        else:  # pragma: no cover - a new kind of pattern
            raise AssertionError(f"unknown pattern type {type(pattern)!r} in {route.route}")
    path = "/" + "".join(pieces)
    match = resolve(path)
    assert match.func is route.callback, f"{path} resolves to {match.route}, not {route.route}"
    return path


ROUTES = project_routes()
GROUPS = sorted({route.group for route in ROUTES})

# --------------------------------------------------------------------------- requests


def matches(response, expected: Outcome) -> bool:
    location = urlsplit(response.get("Location", "")).path
    if expected == LOGIN:
        return response.status_code == 302 and location == reverse("login")
    if expected == ADMIN_LOGIN:
        return response.status_code == 302 and location == reverse("admin:login")
    if expected == ADMIN_INDEX:
        return response.status_code == 302 and location == reverse("admin:index")
    if expected == REDIRECT:
        return response.status_code == 302 and location not in (reverse("login"), reverse("admin:login"))
    return response.status_code == expected


def describe(response) -> str:
    if response.status_code in (301, 302):
        return f"{response.status_code} → {response['Location']}"
    return str(response.status_code)


@dataclass
class Matrix:
    """Runs cases and collects the ones that do not match; counts every case checked."""

    login: Callable
    users: dict[str, Any]
    checked: int = 0
    failures: list[str] = field(default_factory=list)
    clients: dict[str, Client] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        """One signed-in client per role; each case restores its cookies (a logout clears them)
        and rolls back its savepoint (the session row included)."""
        if role not in self.clients:
            self.clients[role] = Client() if role == ANON else self.login(self.users[role])
        return self.clients[role]

    def check(
        self,
        route: Route,
        role: str,
        scope: str,
        method: str,
        expected: Outcome,
        path_for: Callable[[Client], str],
    ) -> None:
        self.checked += 1
        label = f"{route.key} [{role}, {scope}, {method}]"
        client = self.client(role)
        cookies = copy.deepcopy(client.cookies)
        with transaction.atomic():
            try:
                path = path_for(client)
                response = client.get(path) if method == GET else client.post(path)
                if getattr(response, "streaming", False):
                    b"".join(response.streaming_content)  # served in full (and closed as a server would)
            except Exception as exc:  # noqa: BLE001 - every case is reported, not only the first
                self.failures.append(f"{label}: expected {expected}, raised {exc!r}")
            else:
                if not matches(response, expected):
                    self.failures.append(f"{label} {path}: expected {expected}, got {describe(response)}")
            transaction.set_rollback(True)
        client.cookies = cookies


def _with_query(path: str, kwargs: dict[str, Any]) -> str:
    query = kwargs.pop("?", None)
    return f"{path}?{urlencode(query)}" if query else path


def app_cases(route: Route, world: SimpleNamespace) -> Iterator[tuple[str, str, Callable[[Client], str]]]:
    """(role, scope, path builder) of every case of a portal URL."""
    scoped = SCOPED.get(route.key)

    def path_for(side: SimpleNamespace) -> Callable[[Client], str]:
        def build(client: Client) -> str:
            if route.key in NEEDS_IMPORT_JOB:
                side.import_job = import_job_of(client, world, route.key, side, own=side is world.sides["A"])
            if scoped is not None:
                kwargs = scoped(side)
            elif route.key in FIXED:
                kwargs = FIXED[route.key](world)
            else:
                kwargs = {}
            return _with_query(build_path(route, kwargs), kwargs)

        return build

    a, b = world.sides["A"], world.sides["B"]
    yield ANON, IN, path_for(a)
    yield DOIT, IN, path_for(a)
    yield OFFICER, IN, path_for(a)
    yield STAFF, IN, path_for(a)
    yield SUPERUSER, IN, path_for(a)
    if scoped is not None:
        yield OFFICER, OUT, path_for(b)
        yield STAFF, OUT, path_for(b)


def admin_values(route: Route, world: SimpleNamespace) -> tuple[dict[str, Any], list[Any]]:
    model = admin_model(route)
    instance = world.admin_objects.get(model) if model is not None else None
    if model is not None and instance is None:
        raise AssertionError(f"No {model.__name__} to open in the admin: add one to admin_objects()")
    pk = instance.pk if instance is not None else 0
    values = {
        "object_id": pk,
        "pk": pk,
        "app_label": "enterprises",
        "content_type_id": ContentType.objects.get_for_model(world.enterprise).pk,
        "url": "no-such-page/",
        "id": world.users[STAFF].pk,
    }
    if route.key == "admin:view_on_site":
        values["object_id"] = world.enterprise.pk
    history_id = instance.history.order_by("history_id").first().history_id if hasattr(instance, "history") else 0
    return values, [pk, history_id]


# --------------------------------------------------------------------------- fixtures


def admin_objects(world_users: dict[str, Any], sides: dict[str, SimpleNamespace]) -> dict[type, Any]:
    """One object of every model registered in the admin (the superuser opens each page)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group

    from enterprises.models import IndustrialZone
    from reporting.models import YearLock, YearLockEvent

    doit = world_users[DOIT]
    seen = {"user_agent": "pytest", "ip_address": "127.0.0.1", "username": "khach", "http_accept": "*/*"}
    created = [
        Group.objects.create(name="Nhóm thử"),
        IndustrialZone.objects.create(name="KCN Thử nghiệm", district=sides["A"].district),
        AccessAttempt.objects.create(
            **seen, path_info="/accounts/login/", get_data="", post_data="", failures_since_start=1
        ),
        AccessLog.objects.create(**seen, path_info="/accounts/login/"),
        AccessFailureLog.objects.create(**seen, path_info="/accounts/login/"),
        YearLock.objects.create(year=2010, locked_by=doit, note="Thử"),
        YearLockEvent.objects.create(year=2010, action="lock", by=doit),
    ]
    objects: dict[type, Any] = {type(obj): obj for obj in created}
    for model in admin.site._registry:
        if model in objects:
            continue
        first = model._default_manager.order_by("pk").first()
        if first is None:
            continue
        if hasattr(model, "history") and not first.history.exists():
            first.save()  # a change record, for the admin's history pages (reference rows have none)
        objects[model] = first
    return objects


@pytest.fixture
def world(sides, plan, doit_user, officer_a, staff_x, superuser) -> SimpleNamespace:
    users = {DOIT: doit_user, OFFICER: officer_a, STAFF: staff_x, SUPERUSER: superuser}
    return SimpleNamespace(
        sides=sides,
        plan=plan,
        users=users,
        enterprise=sides["A"].enterprise,
        admin_objects=admin_objects(users, sides),
    )


# --------------------------------------------------------------------------- tests


def test_every_url_pattern_has_a_declared_expectation():
    keys = [route.key for route in ROUTES]
    assert len(keys) == len(set(keys)), "two URL patterns share a name"
    portal = {route.key: route for route in ROUTES if not route.is_admin}
    undeclared = [
        f"{key} ({route.route}, {route.callback.__module__})" for key, route in portal.items() if key not in MATRIX
    ]
    assert not undeclared, "URL patterns without a declared expectation in MATRIX:\n" + "\n".join(undeclared)
    stale = sorted(set(MATRIX) - set(portal))
    assert not stale, f"expectations declared for URL names that no longer exist: {stale}"
    unknown_args = sorted((set(SCOPED) | set(FIXED)) - set(portal))
    assert not unknown_args, f"arguments given for URL names that no longer exist: {unknown_args}"
    assert any(route.is_admin for route in ROUTES) and "set_language" in portal


@pytest.mark.parametrize("group", GROUPS)
def test_url_matrix(group, world, login, record_matrix_cases):
    matrix = Matrix(login=login, users=world.users)
    for route in (r for r in ROUTES if r.group == group):
        if route.is_admin:
            values, positional = admin_values(route, world)
            path = build_path(route, values, positional)
            for role in (ANON, DOIT, OFFICER, STAFF):
                for method in (GET, POST):
                    matrix.check(route, role, "-", method, admin_expected(route.key, role, method), lambda c, p=path: p)
            matrix.check(route, SUPERUSER, "-", GET, admin_expected(route.key, SUPERUSER, GET), lambda c, p=path: p)
            continue
        expect = MATRIX.get(route.key)
        if expect is None:
            matrix.failures.append(f"{route.key}: no expectation declared in MATRIX")
            continue
        for role, scope, path_for in app_cases(route, world):
            for method in (GET, POST):
                matrix.check(route, role, scope, method, expect.expected(role, scope, method), path_for)
    record_matrix_cases(group, matrix.checked, sum(1 for r in ROUTES if r.group == group))
    assert not matrix.failures, f"{len(matrix.failures)} of {matrix.checked} cases differ:\n" + "\n".join(
        matrix.failures
    )
