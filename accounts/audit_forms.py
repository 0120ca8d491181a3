"""The filter form of the audit page (GET)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cleanprod.bounds import validate_date_in_range
from cleanprod.widgets import DayInput as SharedDayInput

from .audit import SOURCES, AuditFilter


class DayInput(SharedDayInput):
    """A day typed (or picked) as dd/mm/yyyy (the portal's date format)."""

    def __init__(self) -> None:
        super().__init__(attrs={"class": "form-control"})


class AuditFilterForm(forms.Form):
    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=150,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": _("Username, e-mail or part of the name")}
        ),
    )
    kind = forms.ChoiceField(label=_("Object type"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DayInput(), validators=[validate_date_in_range])
    date_to = forms.DateField(label=_("To"), required=False, widget=DayInput(), validators=[validate_date_in_range])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = sorted(((source.key, source.label) for source in SOURCES), key=lambda choice: choice[1])
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)  # noqa: S101
        kind.choices = [("", _("All")), *choices]
        kind.widget.attrs["class"] = "form-select"

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data

    def to_filter(self) -> AuditFilter:
        """The filter of the valid fields (an invalid field filters nothing)."""
        data = self.cleaned_data if self.is_bound else {}
        errors = self.errors if self.is_bound else {}
        kind = data.get("kind") or ""
        return AuditFilter(
            user=(data.get("user") or "").strip(),
            kinds=(kind,) if kind else (),
            date_from=data.get("date_from") if "date_from" not in errors else None,
            date_to=data.get("date_to") if "date_to" not in errors else None,
        )
