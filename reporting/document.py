"""The administrative form of the yearly report (Decree 30/2020/NĐ-CP): what the PDF and the DOCX
print around the figures, gathered before any builder writes (``ReportData.edition``).

The issuing body, the national title and motto, the number and symbol, the place and date in
words, the title, "Kính gửi", the body (the narrative sections), "Nơi nhận" and the signature
block. Until the edition is issued the files carry a "DỰ THẢO" (draft) mark."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import ReportEdition

ISSUING_PARENT = "UBND THÀNH PHỐ HÀ NỘI"
ISSUING_BODY = "SỞ CÔNG THƯƠNG"
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
PLACE = "Hà Nội"
DRAFT_MARK = "DỰ THẢO"
SYMBOL = "BC-SCT"

# Page and type of the decree's appendix: A4; margins top and bottom 20–25 mm, left 30–35 mm,
# right 15–20 mm; Times New Roman (Liberation Serif, metric-compatible, on the server), 13–14 pt
# body, 12–13 pt for the issuing body and the national title, 13–14 pt for the motto.
MARGIN_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
FONT = "Times New Roman"
BODY_PT = 13
HEADER_PT = 12.5
MOTTO_PT = 13
RECIPIENTS_PT = 11

DEFAULT_ADDRESSEES = ("Ủy ban nhân dân Thành phố Hà Nội", "Bộ Công Thương")
DEFAULT_RECIPIENTS = ("Như trên", "Lưu: VT")
DEFAULT_SIGNER_TITLE = "GIÁM ĐỐC"


def date_in_words(day: dt.date, place: str = PLACE) -> str:
    """ "Hà Nội, ngày 07 tháng 12 năm 2026": the decree writes a day below 10 and the months 1 and
    2 with a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@dataclass(frozen=True)
class EditionData:
    """What the administrative form of one report prints (a draft when ``issued`` is False)."""

    number: str  # "125/BC-SCT", or "…/BC-SCT" while not numbered
    issue_date: dt.date | None
    addressees: tuple[str, ...]
    recipients: tuple[str, ...]
    signer_name: str
    signer_title: tuple[str, ...]  # lines above the signature
    sections: tuple[tuple[str, str], ...]  # (heading, text)
    issued: bool

    @property
    def date_line(self) -> str:
        if self.issue_date is None:
            return f"{PLACE}, ngày … tháng … năm …"
        return date_in_words(self.issue_date)

    @property
    def number_line(self) -> str:
        return f"Số: {self.number}"

    @property
    def recipient_lines(self) -> tuple[str, ...]:
        """ "- Như trên;" … the last line ends with a full stop, as the decree's model shows."""
        items = [r.rstrip(";.") for r in self.recipients]
        return tuple(f"- {r}{'.' if i == len(items) - 1 else ';'}" for i, r in enumerate(items))


SECTION_HEADINGS = (
    ("results", "I. ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN"),
    ("difficulties", "II. KHÓ KHĂN, VƯỚNG MẮC VÀ NGUYÊN NHÂN"),
    ("recommendations", "III. KIẾN NGHỊ, ĐỀ XUẤT"),
    ("next_tasks", "IV. NHIỆM VỤ NĂM TỚI"),
)


def edition_data(edition: ReportEdition | None, drafts: dict[str, str]) -> EditionData:
    """The form of ``edition``; without one, a draft with the default addressees and the drafts
    written from the figures."""
    if edition is None:
        return EditionData(
            number=f"…/{SYMBOL}",
            issue_date=None,
            addressees=DEFAULT_ADDRESSEES,
            recipients=DEFAULT_RECIPIENTS,
            signer_name="",
            signer_title=(DEFAULT_SIGNER_TITLE,),
            sections=tuple((heading, drafts[key]) for key, heading in SECTION_HEADINGS),
            issued=False,
        )
    return EditionData(
        number=edition.number or f"…/{SYMBOL}",
        issue_date=edition.issue_date,
        addressees=_lines(edition.addressees),
        recipients=_lines(edition.recipients),
        signer_name=edition.signer_name,
        signer_title=tuple(part.strip() for part in edition.signer_title.split("/") if part.strip()),
        sections=tuple((heading, getattr(edition, key)) for key, heading in SECTION_HEADINGS),
        issued=edition.is_issued,
    )
