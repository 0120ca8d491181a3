"""Forms of the guidance app: the filters of the sector page and of the library, and DOIT's
publishing form. Views turn them into plain data for the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assessments.evidence import PDF, clean_original_name, validate_evidence_file
from assessments.models import Assessment, CPOption
from enterprises.models import Sector

from .models import Document
from .selectors import divisions
from .services import DocumentInput


class DivisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Sector) -> str:
        from .templatetags.guidance_tags import sector_label

        return f"{obj.code} – {sector_label(obj)}"


class SectorFilterForm(forms.Form):
    division = DivisionChoiceField(
        label=_("VSIC division"),
        queryset=Sector.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All of manufacturing"),
    )
    category = forms.ChoiceField(
        label=_("CP category"), choices=[("", _("All categories")), *CPOption.Category.choices], required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions()  # type: ignore[attr-defined]


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *Document.Kind.choices], required=False)
    division = DivisionChoiceField(
        label=_("VSIC division"),
        queryset=Sector.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All sectors"),
    )
    step = forms.TypedChoiceField(
        label=_("Step"),
        choices=[("", _("All steps")), *Assessment.Step.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions()  # type: ignore[attr-defined]


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title (Vietnamese)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Document.Kind.choices)
    issuer = forms.CharField(label=_("Issuer"), max_length=200)
    number = forms.CharField(
        label=_("Number"), max_length=60, required=False, help_text=_("For a legal document, e.g. 889/QĐ-TTg.")
    )
    issued_on = forms.DateField(
        label=_("Issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    effective_from = forms.DateField(
        label=_("Effective from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    upload = forms.FileField(
        label=_("PDF file"), required=False, help_text=_("Give either a link or a PDF file, not both.")
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("VSIC divisions"),
        queryset=Sector.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Leave empty for a document that concerns every sector."),
    )
    steps = forms.TypedMultipleChoiceField(
        label=_("Steps of the assessment"),
        choices=Assessment.Step.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for a document that serves every step."),
    )

    def __init__(self, *args: Any, document: Document | None = None, **kwargs: Any) -> None:
        self.document = document
        if document is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{
                    name: getattr(document, name)
                    for name in ("title", "title_en", "kind", "issuer", "number", "issued_on", "effective_from")
                },
                "summary": document.summary,
                "url": document.url,
                "sectors": list(document.sectors.all()),
                "steps": [s.step for s in document.steps.all()],
            }
        super().__init__(*args, **kwargs)
        self.fields["sectors"].queryset = divisions()  # type: ignore[attr-defined]
        self.original_name = ""

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if not upload:
            return None
        kind = validate_evidence_file(upload)
        if kind is not PDF:
            raise ValidationError(_("Only PDF files can be published in the library."), code="not_pdf")
        upload.seek(0)
        self.original_name = clean_original_name(upload.name, kind)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_file = bool(data.get("upload")) or bool(self.document and self.document.file and not data.get("url"))
        if data.get("url") and data.get("upload"):
            raise ValidationError(_("Give either a link or a PDF file, not both."))
        if not data.get("url") and not has_file and "upload" not in self.errors:
            self.add_error("url", _("Give a link or upload a PDF file."))
        if data.get("kind") == Document.Kind.LEGAL:
            if not data.get("number"):
                self.add_error("number", _("A legal document needs its number."))
            if not data.get("issued_on"):
                self.add_error("issued_on", _("A legal document needs its date of issue."))
        issued, effective = data.get("issued_on"), data.get("effective_from")
        if issued and effective and effective < issued:
            self.add_error("effective_from", _("A document cannot take effect before it is issued."))
        return data

    def to_input(self) -> DocumentInput:
        d = self.cleaned_data
        return DocumentInput(
            title=d["title"].strip(),
            title_en=d.get("title_en", "").strip(),
            kind=d["kind"],
            issuer=d["issuer"].strip(),
            number=d.get("number", "").strip(),
            issued_on=d.get("issued_on"),
            effective_from=d.get("effective_from"),
            summary=d.get("summary", ""),
            url=d.get("url", ""),
            sector_ids=tuple(s.pk for s in d.get("sectors") or ()),
            steps=tuple(d.get("steps") or ()),
        )
