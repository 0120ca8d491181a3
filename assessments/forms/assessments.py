"""Forms of the assessment page: the header, baseline lines and options (inline formsets), the
review comment, the list filters and the factor form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.validators import MinValueValidator
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    MAX_YEAR,
    MIN_YEAR,
    Assessment,
    BaselineConsumption,
    CPOption,
    ResourceFactor,
    ResourceType,
)
from cleanprod.widgets import DayInput

EXPECTED_SAVING_SLOTS = 3


def _year_bounds() -> tuple[int, int]:
    return 2000, timezone.localdate().year + 1


class AssessmentForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Assessment
        fields = ["year", "assessor_name", "step", "baseline_output", "baseline_output_unit", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "baseline_output": _("Yearly production before the options, for intensity indicators."),
            "baseline_output_unit": _("E.g. t of product, thousand litres of beer, m² of fabric."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        low, high = _year_bounds()
        self.fields["year"].widget.attrs.update(min=low, max=high)
        self.fields["baseline_output"].widget.attrs.update(min=0, step="any")
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        low, high = _year_bounds()
        if not low <= year <= high:
            raise forms.ValidationError(_("Enter a year between %(low)s and %(high)s.") % {"low": low, "high": high})
        return year

    def clean_baseline_output(self) -> Decimal | None:
        value = self.cleaned_data.get("baseline_output")
        if value is not None and value < 0:
            raise forms.ValidationError(_("The output cannot be negative."))
        return value


def _resources():
    return ResourceType.objects.filter(active=True)


class BaselineForm(forms.ModelForm):
    class Meta:
        model = BaselineConsumption
        fields = ["resource", "quantity", "cost_vnd"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["resource"]).queryset = _resources()
        self.fields["resource"].widget.attrs["class"] = "form-select form-select-sm"
        for name in ("quantity", "cost_vnd"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["quantity"].validators.append(MinValueValidator(0))
        self.fields["quantity"].widget.attrs.update(min=0, step="any")
        self.fields["cost_vnd"].validators.append(MinValueValidator(0))
        self.fields["cost_vnd"].widget.attrs.update(min=0)


class ResourceSelect(forms.Select):
    """A resource choice whose options carry their unit (``data-unit``), shown beside the quantity."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # noqa: PLR0913
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-unit"] = instance.unit
        return option


class CPOptionForm(forms.ModelForm):
    """An option with up to three expected yearly savings (resource + quantity) beside it."""

    class Meta:
        model = CPOption
        fields = [
            "category",
            "description",
            "investment_vnd",
            "expected_savings_vnd",
            "screening",
            "status",
            "implemented_on",
            "feasibility_technical",
            "feasibility_economic",
            "feasibility_environmental",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "feasibility_technical": forms.Textarea(attrs={"rows": 2}),
            "feasibility_economic": forms.Textarea(attrs={"rows": 2}),
            "feasibility_environmental": forms.Textarea(attrs={"rows": 2}),
            "implemented_on": DayInput(),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("investment_vnd", "expected_savings_vnd"):
            self.fields[name].validators.append(MinValueValidator(0))
            self.fields[name].widget.attrs.update(min=0)
        # The unit is written beside the input (VND, VND per year), not run into the label.
        self.fields["investment_vnd"].label = _("Investment")
        self.fields["expected_savings_vnd"].label = _("Expected savings")
        resources = _resources()
        existing = list(self.instance.expected_savings.all()) if self.instance.pk else []
        for i in range(1, EXPECTED_SAVING_SLOTS + 1):
            self.fields[f"saving_resource_{i}"] = forms.ModelChoiceField(
                queryset=resources,
                required=False,
                label=_("Expected saving %(number)s: resource") % {"number": i},
                widget=ResourceSelect(attrs={"class": "form-select form-select-sm", "data-unit-select": ""}),
            )
            self.fields[f"saving_quantity_{i}"] = forms.DecimalField(
                required=False,
                min_value=0,
                max_digits=18,
                decimal_places=3,
                label=_("Expected saving %(number)s: quantity per year") % {"number": i},
                widget=forms.NumberInput(attrs={"min": 0, "step": "any", "class": "form-control form-control-sm"}),
            )
            if i <= len(existing) and not self.is_bound:
                self.initial[f"saving_resource_{i}"] = existing[i - 1].resource_id
                self.initial[f"saving_quantity_{i}"] = existing[i - 1].quantity

    def saving_slots(self) -> list[tuple[forms.BoundField, forms.BoundField, str]]:
        """(resource field, quantity field, unit of the chosen resource or "") per slot."""
        slots = [
            (self[f"saving_resource_{i}"], self[f"saving_quantity_{i}"]) for i in range(1, EXPECTED_SAVING_SLOTS + 1)
        ]
        chosen = {str(resource.value()) for resource, _quantity in slots if resource.value() not in (None, "")}
        units = (
            {str(pk): unit for pk, unit in ResourceType.objects.filter(pk__in=chosen).values_list("pk", "unit")}
            if chosen and all(c.isdigit() for c in chosen)
            else {}
        )
        return [(resource, quantity, units.get(str(resource.value()), "")) for resource, quantity in slots]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: set[int] = set()
        savings: dict[int, Decimal] = {}
        for i in range(1, EXPECTED_SAVING_SLOTS + 1):
            resource, quantity = data.get(f"saving_resource_{i}"), data.get(f"saving_quantity_{i}")
            if resource is None and quantity is None:
                continue
            if resource is None:
                self.add_error(f"saving_resource_{i}", _("Choose the resource saved."))
            elif quantity is None:
                self.add_error(f"saving_quantity_{i}", _("Give the quantity saved per year."))
            elif resource.pk in seen:
                self.add_error(f"saving_resource_{i}", _("Each resource once per option."))
            else:
                seen.add(resource.pk)
                savings[resource.pk] = quantity
        data["expected_savings"] = savings
        return data

    def expected_savings(self) -> dict[int, Decimal]:
        """resource id → expected yearly quantity, as entered."""
        return dict(self.cleaned_data.get("expected_savings") or {})


BaselineFormSet = inlineformset_factory(
    Assessment, BaselineConsumption, form=BaselineForm, extra=2, can_delete=True, max_num=30, validate_max=True
)
CPOptionFormSet = inlineformset_factory(
    Assessment, CPOption, form=CPOptionForm, extra=1, can_delete=True, max_num=50, validate_max=True
)


class ReviewForm(forms.Form):
    """The comment of a workflow action (required to return an item)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssessmentFilterForm(forms.Form):
    q = forms.CharField(label=_("Enterprise"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(Assessment.Status.choices)
    )
    district: forms.ModelChoiceField = forms.ModelChoiceField(label=_("District"), required=False, queryset=None)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from enterprises.models import District

        if user.scope.is_city:
            cast(forms.ModelChoiceField, self.fields["district"]).queryset = District.objects.all()
        else:
            del self.fields["district"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ResourceFactorForm(forms.ModelForm):
    class Meta:
        model = ResourceFactor
        fields = [
            "resource",
            "valid_from_year",
            "toe_per_unit",
            "tco2e_per_unit",
            "source",
            "method",
            "source_en",
            "method_en",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in ("source", "method", "source_en", "method_en")}
        help_texts = {
            "source": _("The document the figure comes from (number, date, issuing body)."),
            "method": _("How the figure was obtained or computed, if not printed as such in the source."),
            "source_en": _("Optional: the source in English, shown when the portal is used in English."),
            "method_en": _("Optional: the method in English, shown when the portal is used in English."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["resource"]).queryset = ResourceType.objects.filter(
            has_energy_factor=True
        )
        for name in ("toe_per_unit", "tco2e_per_unit"):
            self.fields[name].validators.append(MinValueValidator(0))
            self.fields[name].widget.attrs.update(min=0, step="any")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("toe_per_unit") is None and data.get("tco2e_per_unit") is None:
            raise forms.ValidationError(_("Give a TOE factor, a tCO2e factor or both."))
        return data
