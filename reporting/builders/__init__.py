"""Report builders: each lays the figures of ``reporting.indicators`` out in one file format."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from cleanprod.spreadsheets import XLSX_CONTENT_TYPE

from .docx import build_docx
from .pdf import build_pdf
from .xlsx import build_xlsx

if TYPE_CHECKING:
    from reporting.report_data import ReportData

BUILDERS: dict[str, Callable[..., None]] = {"pdf": build_pdf, "xlsx": build_xlsx, "docx": build_docx}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": XLSX_CONTENT_TYPE,
    "lines": XLSX_CONTENT_TYPE,  # the detailed data (``builders.lines``)
}


def build(fmt: str, data: ReportData, stream: IO[bytes], **kwargs) -> None:
    """Lay ``data`` out in ``fmt`` (the builders never query the database)."""
    BUILDERS[fmt](data, stream, **kwargs)
