"""Backup and restore as docs/operations.md describes them: ``pg_dump`` (custom format) of the
database plus a tar archive of the private files (reports, evidence), restored into a NEW
database and a new folder. The restored portal must hold the same number of rows in every table
and compute the same report figures; every report file must come back byte for byte.

Figures are computed by a separate process (``tests/reliability/backup_figures.py``) pointed at
each database by its DATABASE_URL, exactly as a restored server would read them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from reporting import services
from reporting.models import ReportJob

from .conftest import ROOT, database_url, pg_env, pg_tool

pytestmark = pytest.mark.django_db(transaction=True)

LOCKED, OPEN = 2023, 2024


def figures(db_name: str, private_root) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(db_name),
        "DJANGO_PRIVATE_ROOT": str(private_root),
        "DJANGO_SETTINGS_MODULE": "cleanprod.settings",
        "DJANGO_DEBUG": "true",
    }
    env.pop("REDIS_URL", None)  # no cache: figures straight from the database
    out = subprocess.run(
        [sys.executable, "-m", "tests.reliability.backup_figures", str(LOCKED), str(OPEN)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_a_dump_restored_into_a_new_database_holds_the_same_rows_figures_and_files(
    doit_user, private_storage, tmp_path, django_capture_on_commit_callbacks
):
    call_command("seed_demo", enterprises=40, years=f"{LOCKED - 1}-{OPEN}", seed=7, verbosity=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.year_lock(year=LOCKED, by=doit_user)  # stored figures + final report files
        services.report_request(by=doit_user, year=OPEN, district=None, formats=["xlsx"])
    assert ReportJob.objects.filter(status="done").count() == 3

    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored_{uuid.uuid4().hex[:8]}"
    dump, archive = tmp_path / "cleanprod.dump", tmp_path / "private.tar.gz"
    restored_root = tmp_path / "restored" / "private"
    env = pg_env()
    # --- back up (docs/operations.md "Backups") ---
    subprocess.run([pg_tool("pg_dump"), "-Fc", "-f", str(dump), source], env=env, check=True, timeout=300)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(private_storage, arcname="private")
    # --- restore into a new database and folder (docs/operations.md "Restore") ---
    subprocess.run([pg_tool("createdb"), restored], env=env, check=True, timeout=60)
    try:
        subprocess.run(
            [pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", restored, str(dump)],
            env=env,
            check=True,
            timeout=300,
        )
        with tarfile.open(archive) as tar:
            tar.extractall(restored_root.parent, filter="data")

        original, copy = figures(source, private_storage), figures(restored, restored_root)
    finally:
        subprocess.run([pg_tool("dropdb"), "--if-exists", restored], env=env, check=True, timeout=60)

    assert copy["counts"] == original["counts"]
    populated = {label for label, count in original["counts"].items() if count}
    for label in (
        "enterprises.Enterprise",
        "assessments.Assessment",
        "assessments.SavingsLine",
        "training.Attendance",
        "reporting.YearSnapshot",
        "reporting.ReportJob",
        "accounts.User",
    ):
        assert label in populated, label
    assert copy["figures"] == original["figures"]
    assert f"{LOCKED}/city" in copy["figures"] and f"{OPEN}/city" in copy["figures"]
    assert len(copy["figures"]) == 2 * 4  # city and three districts, each year
    assert copy["files"] == original["files"] and len(copy["files"]) == 3
