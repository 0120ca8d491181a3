"""The one scope policy (``accounts.scope``): each role's scope, and every ``visible_to`` and
object rule answering from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.scope import CITY, ENTERPRISE, NONE, UNIT, Scope
from assessments.models import Assessment, SavingsReport
from enterprises.models import Enterprise
from reporting.models import ReportJob
from training.models import Course, Officer

from ..factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_scope_of_each_role(doit_user, officer_a, staff_x, enterprise_x):
    assert Scope.of(doit_user).kind == CITY
    assert Scope.of(User(is_superuser=True, is_active=True)).kind == CITY
    assert Scope.of(officer_a) == Scope(UNIT, district_id=officer_a.district_id)
    assert Scope.of(staff_x) == Scope(ENTERPRISE, enterprise_id=enterprise_x.pk)
    assert Scope.of(AnonymousUser()).kind == NONE
    officer_a.is_active = False
    assert Scope.of(officer_a).kind == NONE


def test_officer_scope_is_their_unit_in_every_visible_to(officer_a, enterprise_x, enterprise_y):
    other = EnterpriseFactory(district=enterprise_y.district)
    assert set(Enterprise.objects.visible_to(officer_a)) == {enterprise_x}
    assert other not in Enterprise.objects.visible_to(officer_a)
    for model in (Assessment, SavingsReport, Officer, Course, ReportJob):
        sql = str(model.objects.visible_to(officer_a).query)
        assert "district_id" in sql, model


def test_rules_answer_from_the_scope(officer_a, officer_b, staff_x, enterprise_x, enterprise_y):
    assert officer_a.has_perm("enterprises.change_enterprise_profile", enterprise_x)
    assert not officer_b.has_perm("enterprises.change_enterprise_profile", enterprise_x)
    assert staff_x.has_perm("enterprises.change_enterprise", enterprise_x)
    assert not staff_x.has_perm("enterprises.change_enterprise", enterprise_y)
    assert not staff_x.has_perm("enterprises.change_enterprise_profile", enterprise_x)


def test_officer_without_a_unit_sees_nothing(db):
    user = User(username="nobody", role="officer", is_active=True)
    assert Scope.of(user).kind == NONE
    assert not Enterprise.objects.visible_to(user).exists()


SOURCE_DIRS = ("accounts", "assessments", "enterprises", "training", "reporting", "periods", "cleanprod")
# A hand-written role → scope switch: "is_doit", "is_officer" or "sees_city" followed by a filter.
HAND_SWITCH = re.compile(r"\.(is_doit|is_officer|sees_city)\b")


def test_no_module_switches_on_the_role_by_hand():
    """Outside the policy module and the user model, code asks ``user.scope`` (or a rule), never
    the role directly, so that a change of who sees what is one change."""
    offenders = []
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in {"accounts/scope.py", "accounts/models.py"} or "demo" in rel:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if HAND_SWITCH.search(line):
                    offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
