from __future__ import annotations

from typing import cast

from django import forms
from django.forms import inlineformset_factory, modelformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import Scope
from cleanprod.bounds import MAX_YEAR, MIN_YEAR
from cleanprod.widgets import DayInput
from enterprises.models import Commune, District, Sector
from periods.models import YearLock

from .archive import CITY, ArchiveFilters
from .models import (
    ActionPlan,
    EstablishmentCount,
    Funding,
    Indicator,
    IndicatorValue,
    ReportEdition,
    ReportJob,
    Target,
)
from .services import lockable_years, report_years

BOTH = "both"
FORMAT_CHOICES = [
    (ReportJob.Format.PDF, _("PDF")),
    (ReportJob.Format.XLSX, _("Excel")),
    (ReportJob.Format.DOCX, _("Word (to finish and sign)")),
    (BOTH, _("PDF and Excel")),
    (ReportJob.Format.LINES, _("Detailed data (Excel): the verified savings lines")),
]


class ReportRequestForm(forms.Form):
    """Year, scope and format of a report. DOIT staff choose the city, any district (from 2025:
    the communes formed from that former district) or any commune; an officer's commune is fixed
    to their own (any other posted id is refused)."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    district = forms.ModelChoiceField(
        label=_("Scope"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("Hanoi (city-wide)"),
        help_text=_("A district up to 2024; from 2025 the communes and wards formed from that former district."),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune or ward (from 2025)"),
        queryset=Commune.objects.all(),
        required=False,
        empty_label=_("—"),
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial=BOTH, widget=forms.RadioSelect)
    all_districts = forms.BooleanField(
        label=_("The city and every unit in force at year end (year-end batch)"),
        required=False,
        help_text=_("One report per scope, built side by side by the background workers."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        years = list(reversed(report_years()))
        year = cast(forms.TypedChoiceField, self.fields["year"])
        year.choices = [(y, str(y)) for y in years]
        year.initial = timezone.localdate().year - 1
        if not user.scope.is_city:
            del self.fields["all_districts"]  # the year-end batch is the city's (DOIT)
            del self.fields["district"]
            field = cast(forms.ModelChoiceField, self.fields["commune"])
            field.queryset = user.scope.communes(Commune.objects.all())
            field.required = True
            field.empty_label = None
            field.initial = user.commune_id
            field.error_messages["invalid_choice"] = _("You can only request reports for your own commune or ward.")

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("district") and data.get("commune"):
            self.add_error("commune", _("Choose a district or a commune, not both."))
        return data

    @property
    def unit(self):
        """The scope asked for: a commune, a district, or None for the city."""
        return self.cleaned_data.get("commune") or self.cleaned_data.get("district")

    @property
    def formats(self) -> list[str]:
        fmt = self.cleaned_data["format"]
        return [ReportJob.Format.PDF, ReportJob.Format.XLSX] if fmt == BOTH else [fmt]


class DetailDataForm(ReportRequestForm):
    """Year and scope of the detailed data (the CSV download, a GET form): the scopes of the
    report request, with the same rule (an officer: their own commune only)."""

    def __init__(self, *args, user, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_detail_%s")  # beside the request form on the same page
        super().__init__(*args, user=user, **kwargs)
        del self.fields["format"]
        self.fields.pop("all_districts", None)


class YearLockForm(forms.Form):
    """DOIT issues the final report of a year that has ended and is not locked yet."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional, e.g. the number of the official letter that sends the report."),
    )

    def __init__(self, *args, **kwargs) -> None:
        # Its own ids: the request form on the same page has a year field too.
        kwargs.setdefault("auto_id", "id_lock_%s")
        super().__init__(*args, **kwargs)
        locked = YearLock.objects.years()
        years = [y for y in reversed(lockable_years()) if y not in locked]
        field = cast(forms.TypedChoiceField, self.fields["year"])
        field.choices = [(y, str(y)) for y in years]
        field.initial = timezone.localdate().year - 1


class YearReopenForm(forms.Form):
    """DOIT reopens a locked year, with the reason (recorded)."""

    year = forms.IntegerField(widget=forms.HiddenInput, min_value=MIN_YEAR, max_value=MAX_YEAR)
    comment = forms.CharField(
        label=_("Reason for reopening"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the year is reopened: the reason is recorded.")},
    )


class ActionPlanForm(forms.ModelForm):
    class Meta:
        model = ActionPlan
        fields = [
            "decision_number",
            "level",
            "title",
            "title_en",
            "issued_on",
            "first_year",
            "last_year",
            "source",
            "source_en",
        ]
        widgets = {"title": forms.Textarea(attrs={"rows": 2})}


TARGET_FIELDS = ("indicator", "year", "value", "value_max", "source", "note")


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = list(TARGET_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 1})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["indicator"])
        field.queryset = Indicator.objects.order_by("sort_order", "code")
        field.label_from_instance = lambda obj: obj.name  # type: ignore[method-assign]


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name_vi",
            "name_en",
            "measure",
            "unit",
            "sectors",
            "size",
            "district",
            "resource",
            "active",
            "sort_order",
            "note",
        ]
        widgets = {"sectors": forms.SelectMultiple(attrs={"size": 8}), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.built_in:
            # A shipped indicator keeps its code and measure (targets and reports name them).
            for name in ("code", "measure"):
                self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        measure = data.get("measure")
        if measure:
            from .measures import Filter, info

            chosen = {
                Filter.SECTORS: bool(data.get("sectors")),
                Filter.SIZE: bool(data.get("size")),
                Filter.DISTRICT: bool(data.get("district")),
                Filter.RESOURCE: bool(data.get("resource")),
            }
            refused = [f for f, on in chosen.items() if on and f not in info(measure).filters]
            for f in refused:
                field = str(f)
                self.add_error(field, _("This measure cannot be narrowed by this filter."))
        return data


class IndicatorValueForm(forms.ModelForm):
    class Meta:
        model = IndicatorValue
        fields = ["year", "value", "source"]


IndicatorValueFormSet = inlineformset_factory(
    Indicator, IndicatorValue, form=IndicatorValueForm, extra=2, can_delete=True
)


TargetFormSet = inlineformset_factory(
    ActionPlan,
    Target,
    form=TargetForm,
    extra=3,
    can_delete=True,
)


class EditionStartForm(forms.Form):
    """DOIT starts (or opens) the document of a year's city report."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, **kwargs) -> None:
        # Its own ids: the request form on the same page has a year field too.
        kwargs.setdefault("auto_id", "id_edition_%s")
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["year"])
        field.choices = [(y, str(y)) for y in reversed(report_years())]
        field.initial = timezone.localdate().year - 1


class EditionForm(forms.ModelForm):
    class Meta:
        model = ReportEdition
        fields = [
            "number",
            "issue_date",
            "addressees",
            "recipients",
            "signer_title",
            "signer_name",
            "results",
            "difficulties",
            "recommendations",
            "next_tasks",
        ]
        widgets = {
            "issue_date": DayInput(),
            "addressees": forms.Textarea(attrs={"rows": 3}),
            "recipients": forms.Textarea(attrs={"rows": 4}),
            "results": forms.Textarea(attrs={"rows": 10}),
            "difficulties": forms.Textarea(attrs={"rows": 6}),
            "recommendations": forms.Textarea(attrs={"rows": 6}),
            "next_tasks": forms.Textarea(attrs={"rows": 6}),
        }


class ArchiveFilterForm(forms.Form):
    """The archive's filters (GET). DOIT staff filter by scope; an officer sees one district
    anyway. A value that is not a choice is reported next to its field and ignored."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    scope = forms.ChoiceField(label=_("Scope"), required=False)
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("", _("All formats")), *ReportJob.Format.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ReportJob.Status.choices]
    )
    batch = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, user, **kwargs) -> None:
        # Its own ids: the request form on the same page has year and format fields too.
        kwargs.setdefault("auto_id", "id_filter_%s")
        super().__init__(*args, **kwargs)
        year = cast(forms.TypedChoiceField, self.fields["year"])
        year.choices = [("", _("All years")), *((y, str(y)) for y in reversed(report_years()))]
        scope = cast(forms.ChoiceField, self.fields["scope"])
        if Scope.of(user).is_city:
            districts = District.objects.order_by("-active", "name").values_list("pk", "name")
            scope.choices = [("", _("All scopes")), (CITY, _("Hanoi (city-wide)")), *districts]
        else:
            del self.fields["scope"]

    def filters(self) -> ArchiveFilters:
        data = (
            self.cleaned_data
            if self.is_valid()
            else {name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors}
        )
        return ArchiveFilters(
            year=data.get("year"),
            scope=str(data.get("scope") or ""),
            format=data.get("format") or "",
            status=data.get("status") or "",
            batch=data.get("batch"),
        )


class EstablishmentCountForm(forms.ModelForm):
    class Meta:
        model = EstablishmentCount
        fields = ["division", "count", "source"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["division"])
        field.queryset = Sector.objects.filter(parent__isnull=True).order_by("code")
        field.empty_label = str(_("All industrial establishments"))


class FundingForm(forms.ModelForm):
    class Meta:
        model = Funding
        fields = ["source", "amount_vnd", "activity", "note"]


EstablishmentFormSet = modelformset_factory(EstablishmentCount, form=EstablishmentCountForm, extra=2, can_delete=True)
FundingFormSet = modelformset_factory(Funding, form=FundingForm, extra=3, can_delete=True)


class ModelRuleForm(forms.Form):
    min_toe = forms.DecimalField(
        label=_("Model enterprise: verified energy savings of at least (TOE)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=3,
    )
    min_vnd = forms.IntegerField(
        label=_("Model enterprise: verified savings of at least (VND)"), required=False, min_value=0
    )
