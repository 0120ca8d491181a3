"""Forms of savings reports: the report header, its lines (an inline formset on the same page),
evidence upload and the officer's return comment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import evidence as evidence_checks
from assessments.models import CPOption, ResourceType, SavingsLine, SavingsReport
from assessments.services.savings import LineInput, duplicate_period_message

if TYPE_CHECKING:
    from enterprises.models import Enterprise

FIRST_REPORT_YEAR = 2000
LINE_FIELDS = ["change", "resource", "quantity", "vnd_saved", "option"]


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


class SavingsReportForm(forms.ModelForm):
    """Year, period and notes. ``version`` carries the version the user loaded (concurrent edit
    check); the enterprise is the user's own and never a form field."""

    version = VersionField()

    # A fuel switch in one go: the fuel no longer burnt (a line saved) and the one burnt instead
    # (a line added); the view turns it into two lines.
    switch_from = forms.ModelChoiceField(
        label=_("Fuel no longer used"), queryset=ResourceType.objects.none(), required=False
    )
    switch_from_quantity = forms.DecimalField(
        label=_("Quantity saved"), required=False, min_value=0, max_digits=18, decimal_places=3
    )
    switch_from_vnd = forms.IntegerField(label=_("VND saved"), required=False, min_value=0)
    switch_to = forms.ModelChoiceField(
        label=_("Fuel used instead"), queryset=ResourceType.objects.none(), required=False
    )
    switch_to_quantity = forms.DecimalField(
        label=_("Quantity added"), required=False, min_value=0, max_digits=18, decimal_places=3
    )
    switch_to_vnd = forms.IntegerField(label=_("VND spent on it"), required=False, min_value=0)

    SWITCH_FIELDS = ("switch_from", "switch_from_quantity", "switch_to", "switch_to_quantity")

    class Meta:
        model = SavingsReport
        fields = ["year", "period", "output_quantity", "notes"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 2}),
            "output_quantity": forms.NumberInput(attrs={"step": "any", "min": "0"}),
        }

    def __init__(self, *args, enterprise: Enterprise, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        fuels = ResourceType.objects.filter(active=True, has_energy_factor=True)
        for name in ("switch_from", "switch_to"):
            cast(forms.ModelChoiceField, self.fields[name]).queryset = fuels
        self.fields["output_quantity"].validators.append(MinValueValidator(0))
        unit = (
            enterprise.assessments.exclude(baseline_output_unit="")
            .order_by("-year", "-pk")
            .values_list("baseline_output_unit", flat=True)
            .first()
        )
        if unit:
            self.fields["output_quantity"].help_text = _(
                "Production output of the period, in %(unit)s (the unit of your assessment's baseline output)."
            ) % {"unit": unit}
        this_year = timezone.localdate().year
        year = self.fields["year"]
        year.validators += [MinValueValidator(FIRST_REPORT_YEAR), MaxValueValidator(this_year)]
        year.widget.attrs.update({"min": FIRST_REPORT_YEAR, "max": this_year})
        if not self.instance.pk:
            if self.initial.get("year") is None:
                self.initial["year"] = this_year - 1  # the usual case: last year's savings
        else:
            self.fields["version"].initial = self.instance.version

    def clean(self) -> dict:
        data = super().clean() or self.cleaned_data
        year, period = data.get("year"), data.get("period")
        if year and period:
            qs = SavingsReport.objects.filter(enterprise=self.enterprise, year=year, period=period)
            if self.instance.pk:
                qs = qs.exclude(pk=self.instance.pk)
            if qs.exists():
                self.add_error("period", duplicate_period_message())
        given = [name for name in self.SWITCH_FIELDS if data.get(name) not in (None, "")]
        if given and len(given) < len(self.SWITCH_FIELDS):
            for name in self.SWITCH_FIELDS:
                if name not in given:
                    self.add_error(name, _("A fuel switch needs both fuels and both quantities."))
        elif given and data["switch_from"] == data["switch_to"]:
            self.add_error("switch_to", _("Choose a different fuel from the one no longer used."))
        return data

    def switch_lines(self) -> list[LineInput]:
        """The fuel switch as two lines (saved, added), or none."""
        data = self.cleaned_data
        if not data.get("switch_from"):
            return []
        return [
            LineInput(
                resource=data["switch_from"],
                quantity=data["switch_from_quantity"],
                vnd_saved=data.get("switch_from_vnd") or 0,
                change=SavingsLine.Change.SAVED,
            ),
            LineInput(
                resource=data["switch_to"],
                quantity=data["switch_to_quantity"],
                vnd_saved=data.get("switch_to_vnd") or 0,
                change=SavingsLine.Change.ADDED,
            ),
        ]


class OptionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.assessment.year} · {obj}"


class SavingsLineForm(forms.ModelForm):
    class Meta:
        model = SavingsLine
        fields = LINE_FIELDS
        field_classes = {"option": OptionChoiceField}
        widgets = {
            "quantity": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "vnd_saved": forms.NumberInput(attrs={"step": "1", "min": "0"}),
        }

    def __init__(self, *args, enterprise: Enterprise, choices: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.quality_errors: list = []
        resource = cast(forms.ModelChoiceField, self.fields["resource"])
        option = cast(forms.ModelChoiceField, self.fields["option"])
        resource.queryset = ResourceType.objects.filter(active=True)
        # Only the options of the enterprise's own assessments; another enterprise's id is refused.
        option.queryset = (
            CPOption.objects.filter(assessment__enterprise=enterprise)
            .exclude(status=CPOption.Status.REJECTED)
            .select_related("assessment")
            .order_by("-assessment__year", "category", "pk")
        )
        option.error_messages["invalid_choice"] = _("Choose one of your enterprise's own options.")
        if choices:  # rendered once per formset instead of one query per line and select
            resource.choices = choices["resource"]
            option.choices = choices["option"]
        self.fields["quantity"].validators.append(MinValueValidator(0))
        self.fields["vnd_saved"].validators.append(MinValueValidator(0))
        self.fields["vnd_saved"].required = False
        self.fields["vnd_saved"].help_text = ""
        self.fields["change"].required = False  # a saving unless said otherwise
        if not self.instance.pk:
            # A blank extra row stays blank (and unchanged) instead of showing the model's default 0.
            self.initial.pop("vnd_saved", None)
            self.fields["vnd_saved"].initial = None

    def clean_vnd_saved(self):
        return self.cleaned_data.get("vnd_saved") or 0

    def has_changed(self) -> bool:
        # A blank extra row stays blank whatever its (defaulted) kind of change says.
        return any(name != "change" for name in self.changed_data)

    def clean_change(self):
        return self.cleaned_data.get("change") or SavingsLine.Change.SAVED


class BaseSavingsLineFormSet(BaseInlineFormSet):
    def __init__(self, *args, enterprise: Enterprise, **kwargs) -> None:
        self.enterprise = enterprise
        super().__init__(*args, **kwargs)
        if self.queryset is not None:
            self.queryset = self.queryset.select_related("resource", "option")

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["enterprise"] = self.enterprise
        kwargs["choices"] = self._choices()
        return kwargs

    def _choices(self) -> dict:
        if not hasattr(self, "_cached_choices"):
            probe = SavingsLineForm(enterprise=self.enterprise)
            self._cached_choices = {
                "resource": list(cast(Iterable, cast(forms.ChoiceField, probe.fields["resource"]).choices)),
                "option": list(cast(Iterable, cast(forms.ChoiceField, probe.fields["option"]).choices)),
            }
        return self._cached_choices

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            enterprise=self.enterprise,
            choices=self._choices(),
        )
        self.add_fields(form, None)
        return form

    def clean(self) -> None:
        super().clean()
        for form in self.forms[: self.initial_form_count()]:
            if form.instance.pk is None and not self._should_delete_form(form):  # type: ignore[attr-defined]
                # The posted id is not a line of this report: removed meanwhile, or tampered with.
                raise forms.ValidationError(
                    _(
                        "A line of this report no longer exists (someone may have removed it meanwhile). "
                        "Open the report again and re-enter your changes."
                    ),
                    code="missing_line",
                )

    def line_inputs(self) -> list[LineInput]:
        """The cleaned lines, for the service (deleted ones flagged, untouched extra rows left out)."""
        result = []
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            data = form.cleaned_data
            result.append(
                LineInput(
                    resource=data.get("resource"),
                    quantity=data.get("quantity"),
                    vnd_saved=data.get("vnd_saved"),
                    option=data.get("option"),
                    change=data.get("change") or SavingsLine.Change.SAVED,
                    line=form.instance if form.instance.pk else None,
                    delete=bool(data.get("DELETE")),
                )
            )
        return result


def line_formset(*, extra: int):
    return inlineformset_factory(
        SavingsReport,
        SavingsLine,
        form=SavingsLineForm,
        formset=BaseSavingsLineFormSet,
        fields=LINE_FIELDS,
        extra=extra,
        can_delete=True,
        max_num=100,
        validate_max=True,
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"),
        help_text=_("PDF, JPEG or PNG, at most 10 MB: invoices, meter readings, measurement records, photos."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.kind = evidence_checks.validate_evidence_file(upload)
        return upload


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Reason for returning"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The enterprise sees this comment and corrects the report."),
    )
    version = VersionField()


class VerifyForm(forms.Form):
    justification = forms.CharField(
        label=_("Justification for verifying despite the warnings"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the report has warnings: say what you checked and why the figures stand."),
    )
    version = VersionField()


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The report goes back to the enterprise as returned and its figures leave the totals at once. "
            "The enterprise and the history show this reason."
        ),
    )
    version = VersionField()
