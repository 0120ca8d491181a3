"""The yearly report is a tagged PDF (PDF/UA-1): pdfinfo says Tagged: yes, the structure tree
holds the headings and the tables (with header cells), the document has its language and title,
and the headings are bookmarks. Read back from the file really produced."""

from __future__ import annotations

import io
import subprocess

import pikepdf
import pytest
from django.utils import translation

from reporting.builders.pdf import build_pdf, report_title
from reporting.indicators import compute
from reporting.report_data import ReportData

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf(world) -> bytes:
    stream = io.BytesIO()
    build_pdf(ReportData.for_indicators(compute(world.year)), stream)
    return stream.getvalue()


def pdfinfo(data: bytes, *args: str) -> str:
    return subprocess.run(["pdfinfo", *args, "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_report_pdf_is_tagged_with_headings_and_tables(pdf, world):
    info = pdfinfo(pdf)
    assert "Tagged:          yes" in info
    with translation.override("vi"):
        title = " ".join(report_title(world.year).split())
    assert title in " ".join(info.split())
    tree = pdfinfo(pdf, "-struct")
    kinds = [line.split()[0].rstrip(":") for line in tree.splitlines() if line.strip()]
    assert kinds[0] == "Document"
    assert "H1" in kinds and kinds.count("H2") >= 5
    assert kinds.count("Table") >= 3 and "TH" in kinds and "TD" in kinds


def test_report_pdf_declares_pdf_ua_its_language_and_bookmarks(pdf):
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert str(doc.Root.Lang) == "vi"
        assert bool(doc.Root.MarkInfo.Marked)
        assert doc.Root.ViewerPreferences.DisplayDocTitle
        metadata = doc.open_metadata()
        assert metadata.get("pdfuaid:part") == "1"
        with doc.open_outline() as outline:
            titles = list(walk(outline.root))
    assert len(titles) >= 5 and all(titles), titles


def walk(items):
    for item in items:
        yield item.title
        yield from walk(item.children)
