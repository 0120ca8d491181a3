"""The project as a whole: production settings pass `check --deploy`, migrations match the
models, the compose file is valid, and `seed_demo` builds the same realistic data every time."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Role, User
from enterprises.models import Commune, Enterprise
from enterprises.validators import is_valid_tax_code

BASE_DIR = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="sxsh.example.vn",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cleanprod"),
    )
    env.update(extra)
    return env


@pytest.mark.parametrize("debug", [None, "false"], ids=["DJANGO_DEBUG-unset", "DJANGO_DEBUG-false"])
def test_check_deploy_with_production_environment_reports_no_issue(debug):
    env = production_env(**({"DJANGO_DEBUG": debug} if debug else {}))
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_migrations_match_the_models():
    env = {**os.environ, "DJANGO_DEBUG": "true"}
    result = manage("makemigrations", "--check", "--dry-run", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_file_follows_the_compose_specification():
    compose = BASE_DIR / "docker-compose.yml"
    assert compose.exists(), "docker-compose.yml is missing"
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(compose)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- seed_demo ------------------------------------------------------------------------------

SEED_ARGS = {"enterprises": 300, "years": "2022-2024", "seed": 7}


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", **{**SEED_ARGS, **options}, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "enterprises": list(
            Enterprise.objects.order_by("tax_code").values_list(
                "tax_code", "name", "district__code", "sector__code", "address", "employees", "active"
            )
        ),
        "users": list(User.objects.order_by("username").values_list("username", "full_name", "role")),
    }


def flush_database_to(state: str) -> None:
    """Empty the database and load back ``state`` (serialized at the start of the test: the
    reference data of every app), so seed_demo runs again on the same flushed database."""
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    connection.creation.deserialize_db_from_string(state)


@pytest.mark.django_db(transaction=True)
def test_seed_demo_is_deterministic_and_realistic():
    initial_state = connection.creation.serialize_db_to_string()
    output = seed()
    first = snapshot()
    assert len(first["enterprises"]) == 300
    assert "Demo logins" in output

    flush_database_to(initial_state)
    assert not Enterprise.objects.exists()
    seed()
    assert snapshot() == first

    # valid, unique tax codes
    codes = [row[0] for row in first["enterprises"]]
    assert all(is_valid_tax_code(code) for code in codes)
    assert len(set(codes)) == len(codes)
    # addresses of their time: the former ward and district before 1/7/2025, the commune after;
    # search keys built
    for enterprise in Enterprise.objects.select_related("district", "commune", "industrial_zone"):
        if enterprise.district is not None:
            assert enterprise.district.full_name in enterprise.address, enterprise.address
        else:
            assert enterprise.address.endswith(f"{enterprise.commune.full_name}, Hà Nội"), enterprise.address
        assert enterprise.address.endswith("Hà Nội")
        assert enterprise.search_key == Enterprise.build_search_key(
            enterprise.name, enterprise.tax_code, enterprise.address
        )
        if enterprise.industrial_zone_id and enterprise.district_id:
            assert enterprise.industrial_zone.district_id == enterprise.district_id
    # Vietnamese names
    assert all(name.startswith(("Công ty", "Hợp tác xã")) for _, name, *_ in first["enterprises"])
    # accounts: DOIT, one officer per commune or ward, staff of some enterprises
    assert User.objects.filter(role=Role.DOIT, is_active=True).count() >= 1
    for commune in Commune.objects.filter(valid_until__isnull=True):
        assert User.objects.filter(role=Role.OFFICER, commune=commune).exists(), commune.name
    assert User.objects.filter(role=Role.ENTERPRISE).exists()
    for user in User.objects.all():
        user.full_clean(exclude=["password"])  # every account is consistent with its role
    # the printed demo logins can sign in
    for username in ("doit", "doanhnghiep"):
        assert username in output
        assert User.objects.get(username=username).check_password("SxshDemo@2026")


@pytest.mark.django_db(transaction=True)
def test_seed_demo_if_empty_adds_nothing_to_a_filled_database():
    seed(enterprises=40)
    counts = (Enterprise.objects.count(), User.objects.count())
    output = seed(enterprises=40, if_empty=True)
    assert (Enterprise.objects.count(), User.objects.count()) == counts
    assert "nothing added" in output
    assert "Demo logins" in output
    with pytest.raises(CommandError):
        seed(enterprises=40)  # without --if-empty it refuses rather than doubling the data
    assert (Enterprise.objects.count(), User.objects.count()) == counts


@pytest.mark.django_db
@pytest.mark.parametrize(("option", "value"), [("years", "2025-2020"), ("years", "soon"), ("enterprises", 0)])
def test_seed_demo_refuses_bad_arguments(option, value):
    with pytest.raises(CommandError):
        seed(**{option: value})
    assert not Enterprise.objects.exists()
