"""A locked year whose figures were stored in an older format is still read and rebuilt, and an
issued edition's files stay byte for byte what was issued, whatever changes after (the layout, the
format of the stored figures): ``reporting.snapshots`` (upgrade steps) and ``reporting.issued``."""

from __future__ import annotations

import copy
import datetime as dt
import io

import pytest

from cleanprod.housekeeping import purge_unreferenced_files
from reporting import builders, indicators, services, snapshots
from reporting.issued import IssuedFileMismatch, digest
from reporting.models import IssuedFile, ReportJob, YearSnapshot

from .expected import expected
from .test_builders import pdf_text, vi
from .test_edition import YEAR, edition  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def build(fmt: str, district=None) -> bytes:
    stream = io.BytesIO()
    services.build_file(year=YEAR, district=district, fmt=fmt, stream=stream)
    return stream.getvalue()


ANNEXES = (
    "establishments",
    "funding",
    "funding_total",
    "cost_per_toe",
    "year_on_year",
    "models",
    "factors",
    "by_unit_year",
    "by_sector_category",
)


def as_version_3(data: dict) -> dict:
    """Stored figures as version 3 wrote them: without the data calls' figures."""
    old = copy.deepcopy(data)
    old["indicators"]["fields"].pop("calls", None)
    old["version"] = 3
    return old


def as_version_2(data: dict) -> dict:
    """Stored figures as version 2 wrote them: without the report's annexes."""
    old = as_version_3(data)
    fields = old["indicators"]["fields"]
    for name in ANNEXES:
        fields.pop(name, None)
    old["version"] = 2
    return old


def as_version_1(data: dict) -> dict:
    """Stored figures as version 1 wrote them: one plan, its targets on the figures, no measures,
    figures without kind and places."""
    old = as_version_2(data)
    fields = old["indicators"]["fields"]
    fields.pop("measures")
    plans = fields.pop("plans")["$tuple"]
    first = plans[0]["fields"] if plans else None
    fields["plan"] = (
        {
            "$dc": "PlanRef",
            "fields": {k: first[k] for k in ("decision_number", "title", "first_year", "last_year")},
        }
        if first
        else None
    )
    targets = {t["fields"]["code"]: t["fields"] for t in (first["targets"]["$tuple"] if first else [])}
    for node in fields["figures"]["$tuple"]:
        figure = node["fields"]
        for name in ("kind", "places", "result_all"):
            figure.pop(name, None)
        target = targets.get(figure["code"])
        figure["target"] = (
            {
                "$dc": "TargetRef",
                "fields": {"value": target["value"], "plan": first["decision_number"], "note": target["note"]},
            }
            if target
            else None
        )
    old["version"] = 1
    return old


def store_old(version: int) -> None:
    downgrade = {1: as_version_1, 2: as_version_2, 3: as_version_3}[version]
    for row in YearSnapshot.objects.filter(lock__year=YEAR):
        row.data = downgrade(row.data)
        row.save(update_fields=["data"])


@pytest.fixture
def locked(world, doit_user):
    services.year_lock(year=YEAR, by=doit_user)
    assert services.year_snapshot_ensure(year=YEAR)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_figures_stored_in_an_older_format_are_read_and_rebuild(locked, version):
    exp = expected(YEAR)
    current = indicators.compute(YEAR)
    store_old(version)
    assert snapshots.stored_version(YEAR, None) == version
    old = indicators.compute(YEAR)
    assert current.calls is not None and old.calls is None  # not stored then: read live
    assert old.measures["savings_vnd"] == current.measures["savings_vnd"] == exp["savings_vnd"]
    assert [f.value for f in old.figures if f.code in old.measures] == [
        f.value for f in current.figures if f.code in old.measures
    ]
    assert {f.code: (f.kind, f.places) for f in old.figures} == {
        f.code: (f.kind, f.places) for f in current.figures if f.code in {g.code for g in old.figures}
    }
    # The files build from the old figures, with the figures of the year, every time the same.
    text = pdf_text(build("pdf"))
    assert vi(exp["savings_vnd"]) in text
    assert build("pdf") == build("pdf")
    assert build("xlsx") == build("xlsx")


def test_version_1_keeps_its_plan_and_targets(locked):
    current = indicators.compute(YEAR)
    store_old(1)
    old = indicators.compute(YEAR)
    assert [p.decision_number for p in old.plans] == [current.plans[0].decision_number]
    kept = {t.code: (t.value, t.result, t.status) for t in old.plans[0].targets}
    now = {t.code: (t.value, t.result, t.status) for t in current.plans[0].targets if t.code in kept}
    assert kept == now and kept


def test_a_newer_or_unknown_format_is_refused():
    with pytest.raises(snapshots.SnapshotError):
        snapshots.indicators_from_json({"version": snapshots.FORMAT_VERSION + 1, "indicators": None})
    with pytest.raises(snapshots.SnapshotError):
        snapshots.indicators_from_json({"version": 0, "indicators": None})


def issue(edition, doit_user, capture) -> dict[str, bytes]:  # noqa: F811
    with capture(execute=True):
        services.edition_issue(by=doit_user, edition=edition)
    kept = {k.format: k for k in IssuedFile.objects.filter(edition=edition)}
    assert set(kept) == {"pdf", "docx", "xlsx"}
    files = {}
    for job in ReportJob.objects.filter(final=True, year=YEAR, status="done"):
        files[job.format] = job.file.read()
        job.file.close()
        assert digest(files[job.format]) == kept[job.format].sha256
    return files


def broken_layout(data, stream, **kwargs):
    stream.write(b"a later layout")


def test_an_issued_edition_is_served_as_issued_after_the_layout_and_the_figures_format_change(
    edition,  # noqa: F811
    doit_user,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    issued = issue(edition, doit_user, django_capture_on_commit_callbacks)
    store_old(2)
    for fmt in ("pdf", "docx", "xlsx"):
        monkeypatch.setitem(builders.BUILDERS, fmt, broken_layout)
        assert build(fmt) == issued[fmt], fmt
    # A report request of the issued year gets the issued file too.
    with django_capture_on_commit_callbacks(execute=True):
        [job] = services.report_request(by=doit_user, year=YEAR, district=None, formats=["pdf"])
    job.refresh_from_db()
    assert job.status == "done" and job.file.read() == issued["pdf"]
    # The daily sweep keeps the issued files (no job refers to them).
    purge_unreferenced_files(older_than=dt.timedelta(0))
    for kept in IssuedFile.objects.all():
        assert kept.file.storage.exists(kept.file.name)


def test_a_kept_file_lost_from_storage_is_rebuilt_only_if_identical(
    edition,  # noqa: F811
    doit_user,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    issued = issue(edition, doit_user, django_capture_on_commit_callbacks)
    kept = IssuedFile.objects.get(edition=edition, format="pdf")
    kept.file.storage.delete(kept.file.name)
    assert build("pdf") == issued["pdf"]  # same code, same stored figures: the same bytes
    kept.refresh_from_db()
    assert kept.file.storage.exists(kept.file.name)
    kept.file.storage.delete(kept.file.name)
    monkeypatch.setitem(builders.BUILDERS, "pdf", broken_layout)
    with pytest.raises(IssuedFileMismatch):
        build("pdf")


def test_an_edition_issued_before_files_were_kept_adopts_its_first_final_file(
    edition,  # noqa: F811
    doit_user,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    issued = issue(edition, doit_user, django_capture_on_commit_callbacks)
    IssuedFile.objects.all().delete()
    monkeypatch.setitem(builders.BUILDERS, "docx", broken_layout)
    assert build("docx") == issued["docx"]
    assert IssuedFile.objects.filter(edition=edition, format="docx").exists()


def test_reopening_the_year_discards_the_kept_files(
    edition,  # noqa: F811
    doit_user,
    django_capture_on_commit_callbacks,
):
    issue(edition, doit_user, django_capture_on_commit_callbacks)
    names = [(k.file.storage, k.file.name) for k in IssuedFile.objects.all()]
    with django_capture_on_commit_callbacks(execute=True):
        services.year_reopen(year=YEAR, by=doit_user, comment="Sửa số liệu")
    assert not IssuedFile.objects.exists()
    assert not any(storage.exists(name) for storage, name in names)
    assert b"a later layout" not in build("pdf")
