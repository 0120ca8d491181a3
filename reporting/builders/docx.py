"""The yearly report as DOCX (python-docx), so that the Department can finish it in Word and sign
it: the same administrative form as the PDF (``reporting.document``) and the same figures (one
``ReportData``), with the progress against the plans and the year's indicators in an annex.

A locked year's file is byte for byte the same every time: its document properties carry the
lock's time and every zip entry the same date."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import IO, TYPE_CHECKING

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from reporting import document
from reporting.builders.pdf import document_subtitle
from reporting.builders.xlsx import target_result_label

if TYPE_CHECKING:
    from reporting.indicators import Figure, TargetResult
    from reporting.report_data import ReportData


def number(value, places: int) -> str:
    """The Vietnamese way (1.234,56), as the PDF prints it."""
    return formats.number_format(round(value, places), places, use_l10n=True, force_grouping=True)


def yes_no(value) -> str:
    return _("Yes") if value == 1 else _("No")


def figure_text(f: Figure) -> str:
    if f.value is None:
        return "–"
    return yes_no(f.value) if f.is_yes_no else number(f.value, f.places)


def target_text(t: TargetResult) -> str:
    if t.is_yes_no:
        return yes_no(t.value)
    text = number(t.value, 2).rstrip("0").rstrip(",")
    if t.value_max is not None:
        text += "–" + number(t.value_max, 2).rstrip("0").rstrip(",")
    return f"{text} {t.unit}".strip()


def result_text(t: TargetResult) -> str:
    if t.result is None:
        return "–"
    return yes_no(t.result) if t.is_yes_no else f"{number(t.result, t.places)} {t.unit}".strip()


def _style(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = document.FONT
    normal.font.size = Pt(document.BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), document.FONT)
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin = Mm(document.MARGIN_MM["top"])
    section.bottom_margin = Mm(document.MARGIN_MM["bottom"])
    section.left_margin = Mm(document.MARGIN_MM["left"])
    section.right_margin = Mm(document.MARGIN_MM["right"])


def _para(cell_or_doc, text: str = "", *, bold=False, italic=False, size=None, align=None, indent=False):
    p = cell_or_doc.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Mm(10)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return p


def _borderless(table) -> None:
    borders = table._tbl.tblPr.first_child_found_in("w:tblBorders")
    if borders is not None:
        table._tbl.tblPr.remove(borders)


def _drop_first(*cells) -> None:
    """A new cell holds one empty paragraph; the cell's own paragraphs follow it."""
    for cell in cells:
        first = cell.paragraphs[0]
        if not first.text and len(cell.paragraphs) > 1:
            first._element.getparent().remove(first._element)


def _header(doc, data: ReportData) -> None:
    form = data.form
    center = WD_ALIGN_PARAGRAPH.CENTER
    head = doc.add_table(rows=1, cols=2)
    _borderless(head)
    left, right = head.rows[0].cells
    left.width, right.width = Mm(70), Mm(95)
    _para(left, document.ISSUING_PARENT, size=document.HEADER_PT, align=center)
    _para(left, document.ISSUING_BODY, bold=True, size=document.HEADER_PT, align=center)
    _para(left, "————", size=document.HEADER_PT, align=center)
    _para(left, form.number_line, align=center)
    _para(right, document.NATIONAL_TITLE, bold=True, size=document.HEADER_PT, align=center)
    _para(right, document.MOTTO, bold=True, size=document.MOTTO_PT, align=center)
    _para(right, "————————————", align=center)
    _para(right, form.date_line, italic=True, align=center)
    _drop_first(left, right)
    if not form.issued:
        _para(doc, document.DRAFT_MARK, bold=True, align=center)
    _para(doc, "BÁO CÁO", bold=True, size=14, align=center)
    subtitle = document_subtitle(data.ind.year)
    if not data.ind.is_city:
        subtitle += f" – {data.ind.scope_label}"
    _para(doc, subtitle, bold=True, size=14, align=center)
    if len(form.addressees) == 1:
        _para(doc, f"Kính gửi: {form.addressees[0]}.", size=14, align=center)
    else:
        _para(doc, "Kính gửi:", size=14, align=center)
        for name in form.addressees:
            _para(doc, f"- {name};", size=14, align=center)


def _body(doc, data: ReportData) -> None:
    for heading, text in data.form.sections:
        _para(doc, heading, bold=True)
        for line in text.splitlines():
            if line.strip():
                _para(doc, line.strip(), indent=True)
    _para(doc, _("The figures, the progress against every plan in force and the tables are in the annex."), indent=True)


def _signature(doc, data: ReportData) -> None:
    form = data.form
    table = doc.add_table(rows=1, cols=2)
    _borderless(table)
    left, right = table.rows[0].cells
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in form.recipient_lines:
        _para(left, line, size=document.RECIPIENTS_PT)
    for line in form.signer_title:
        _para(right, line, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for _i in range(4):
        _para(right)
    _para(right, form.signer_name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _drop_first(left, right)


def _grid(doc, headers: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(10)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).font.size = Pt(10)


def _annex(doc, data: ReportData) -> None:
    ind = data.ind
    doc.add_page_break()
    _para(doc, _("Annex").upper(), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, _("Results against the plans in force"), bold=True)
    for plan in ind.plans:
        _para(
            doc,
            f"{plan.decision_number} ({plan.level_label.lower()}, {plan.first_year}–{plan.last_year}): {plan.title}",
            bold=True,
            size=11,
        )
        if not plan.targets:
            _para(
                doc,
                _(
                    "No target of this plan could be verified in a public source; "
                    "the Department can enter them with their source."
                ),
                size=10,
            )
            continue
        _grid(
            doc,
            [_("Indicator"), _("Target"), _("Result"), _("Result against the target")],
            [
                [
                    t.label
                    if t.target_year == ind.year
                    else f"{t.label} ({_('target for %(y)s') % {'y': t.target_year}})",
                    target_text(t),
                    result_text(t),
                    target_result_label(t.status),
                ]
                for t in plan.targets
            ],
        )
    if ind.year_on_year:
        _para(doc, _("Comparison with the previous year"), bold=True)
        _grid(
            doc,
            [_("Figure"), str(ind.year), str(ind.year - 1), _("Change (%)")],
            [
                [
                    r.label,
                    number(r.value, r.places),
                    number(r.previous, r.places),
                    "–" if r.change_pct is None else number(r.change_pct, 2),
                ]
                for r in ind.year_on_year
            ],
        )
    if ind.funding:
        _para(doc, _("Funding of the programme"), bold=True)
        _grid(
            doc,
            [_("Source of funds"), _("Activity"), _("Amount (VND)")],
            [[f.source_label, f.activity, number(f.amount_vnd, 0)] for f in ind.funding]
            + [[_("Total"), "", number(ind.funding_total, 0)]],
        )
    if ind.factors:
        _para(doc, _("Methodology and conversion factors"), bold=True)
        _grid(
            doc,
            [_("Resource"), _("Valid from"), _("Source")],
            [
                [
                    f"{f.resource} ({f.unit})",
                    str(f.valid_from_year),
                    f.source
                    + (
                        " – "
                        + _("Fallback: no grid factor for %(y)s; the %(from)s factor is used.")
                        % {"y": ind.year, "from": f.valid_from_year}
                        if f.fallback
                        else ""
                    ),
                ]
                for f in ind.factors
            ],
        )
    if ind.awareness_kinds:
        _para(doc, _("Definition of aware"), bold=True)
        _para(doc, ind.awareness_definition, size=10)
    _para(doc, _("The year's indicators"), bold=True)
    _grid(doc, [_("Indicator"), _("Result"), _("Unit")], [[f.label, figure_text(f), f.unit] for f in ind.figures])
    _para(
        doc,
        _("Shares are of the enterprises registered in the portal, not of all industrial establishments in Hanoi."),
        size=10,
    )


def fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same archive with every entry dated ``when`` (python-docx stamps the time of writing)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def build_docx(data: ReportData, stream: IO[bytes], **_kwargs) -> None:
    with translation.override("vi"):
        doc = Document()
        _style(doc)
        _header(doc, data)
        _body(doc, data)
        _signature(doc, data)
        _annex(doc, data)
        props = doc.core_properties
        props.title = document_subtitle(data.ind.year)
        props.author = props.last_modified_by = document.ISSUING_BODY
        props.revision = 1
        when = data.fixed_time or timezone.now()
        props.created = props.modified = props.last_printed = when.astimezone(dt.UTC).replace(tzinfo=None)
        raw = io.BytesIO()
        doc.save(raw)
    body = raw.getvalue()
    if data.fixed_time is not None:
        body = fixed_zip(body, data.fixed_time)
    stream.write(body)
