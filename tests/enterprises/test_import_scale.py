"""The enterprise import at scale (issue 6): the web flow (upload + preview, then confirm) costs
the same number of queries for a few rows as for many, new and updated alike, below one write
batch (``imports.BATCH_SIZE`` rows); the time and memory of 10,000 rows are measured in
``bench/imports.py``, not here."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from enterprises import imports
from enterprises.models import Enterprise, ImportJob

from ..factories import EnterpriseFactory
from .test_import import row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"]}}
    settings.STORAGES["default"]["OPTIONS"] = {"location": str(tmp_path), "base_url": None}
    return tmp_path


def _file(n: int, district_a) -> bytes:
    """``n`` rows: a fifth update existing enterprises of district A, the rest are new."""
    existing = [EnterpriseFactory(district=district_a, employees=10) for _ in range(n // 5)]
    rows = [
        row(tax_code=e.tax_code, name=e.name, address=e.address, sector_code=e.sector.code, employees=99)
        for e in existing
    ]
    rows += [row() for _ in range(n - len(existing))]
    return xlsx_bytes(rows)


def _web_import(client, data: bytes) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as preview:
        response = client.post(reverse("enterprises:import"), {"file": upload(data)})
    assert response.status_code == 302  # the preview task ran in the request (eager Celery)
    job = ImportJob.objects.latest("pk")
    assert job.previewed
    with CaptureQueriesContext(connection) as confirm:
        response = client.post(reverse("enterprises:import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.applied
    return len(preview.captured_queries), len(confirm.captured_queries)


def test_web_import_queries_do_not_grow_with_rows(login, officer_a, district_a, private_storage):
    client = login(officer_a)
    counts = []
    for n in (5, 150):
        data = _file(n, district_a)
        before = Enterprise.objects.count()
        counts.append(_web_import(client, data))
        assert Enterprise.objects.count() - before == n - n // 5  # the new ones
        assert Enterprise.objects.filter(employees=99).count() == sum(k // 5 for k in (5, 150) if k <= n)
    assert counts[0] == counts[1], counts


def test_command_import_queries_do_not_grow_with_rows(tmp_path, district_a):
    counts = []
    for n in (5, 150):
        path = tmp_path / f"import-{n}.xlsx"
        path.write_bytes(_file(n, district_a))
        with CaptureQueriesContext(connection) as ctx:
            call_command("import_enterprises", str(path), stdout=io.StringIO())
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_apply_writes_history_for_every_row_across_batches(doit_user, district_a, monkeypatch):
    """Rows are written one batch at a time (memory of one batch): every row still gets its
    history record, with the importing user, whatever the number of batches."""
    monkeypatch.setattr(imports.applying, "BATCH_SIZE", 7)
    existing = [EnterpriseFactory(district=district_a, employees=10) for _ in range(9)]
    rows = [
        row(tax_code=e.tax_code, name=e.name, address=e.address, sector_code=e.sector.code, employees=55)
        for e in existing
    ]
    rows += [row() for _ in range(23)]
    preview = imports.parse_enterprise_workbook(io.BytesIO(xlsx_bytes(rows)), user=doit_user)
    result = imports.apply_enterprise_import(preview=preview, by=doit_user)
    assert (result.created, result.updated) == (23, 9)
    history = Enterprise.history.filter(history_user=doit_user)
    assert history.filter(history_type="+").count() == 23 and history.filter(history_type="~").count() == 9
    assert Enterprise.objects.filter(employees=55).count() == 9


def test_a_tax_code_repeated_in_a_later_batch_is_an_error_on_both_rows(doit_user, district_a):
    """Rows are validated a few at a time and only small results are kept: a tax code repeated
    far from its first row is still found, and both rows carry the message naming both."""
    rows = [row() for _ in range(10)]
    rows.append(dict(rows[1]))
    raw_rows = [imports.RawRow(number, values) for number, values in enumerate(rows, start=2)]
    with translation.override("en"):
        checked = imports.validate_stream(raw_rows, user=doit_user, batch_size=3)
    errors = {r.number: r.errors for r in checked if r.is_error}
    assert sorted(errors) == [3, 12]
    code = rows[1]["tax_code"]
    for messages in errors.values():
        assert messages == [f"The tax code {code} appears more than once in this file (rows 3, 12)."]
    assert all(r.instance is None for r in checked)  # no model instance outlives its batch


def test_an_error_in_a_later_batch_undoes_the_batches_written_before(doit_user, district_a, monkeypatch):
    monkeypatch.setattr(imports.applying, "BATCH_SIZE", 4)
    rows = [row() for _ in range(13)] + [row(employees="nhiều")]
    data = xlsx_bytes(rows)
    preview = imports.read_enterprise_preview(io.BytesIO(data))
    before = Enterprise.objects.count(), Enterprise.history.count()
    with pytest.raises(imports.ImportRowsError) as info:
        imports.apply_enterprise_import(preview=preview, by=doit_user)
    assert [(r.number, r.status) for r in info.value.preview.error_rows] == [(15, "error")]
    assert info.value.preview.total == 14
    assert (Enterprise.objects.count(), Enterprise.history.count()) == before
