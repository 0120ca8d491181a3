"""The form DOIT opens a data call with."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cleanprod.widgets import DayInput
from enterprises.models import Commune, Sector

from ..models import MAX_YEAR, MIN_YEAR, DataCall


class DataCallForm(forms.ModelForm):
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors (VSIC divisions)"),
        queryset=Sector.objects.filter(parent__isnull=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("For a call to chosen sectors: each division includes its groups."),
    )
    communes = forms.ModelMultipleChoiceField(
        label=_("Communes and wards"),
        queryset=Commune.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("For a call to chosen communes and wards."),
    )

    class Meta:
        model = DataCall
        fields = ["year", "period", "due_date", "scope", "sectors", "communes", "message"]
        widgets = {
            "due_date": DayInput(),
            "scope": forms.RadioSelect,
            "message": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["communes"].queryset = Commune.objects.in_force(today).order_by("name")  # type: ignore[attr-defined]
        if not self.is_bound:
            self.fields["year"].initial = today.year - 1

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due and due < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return due

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == DataCall.Audience.SECTORS and not data.get("sectors"):
            self.add_error("sectors", _("Choose at least one sector for a call to chosen sectors."))
        if scope == DataCall.Audience.COMMUNES and not data.get("communes"):
            self.add_error("communes", _("Choose at least one commune or ward for a call to chosen communes."))
        return data

    def validate_unique(self) -> None:
        # The service reports a duplicate call as a clear error on the due date.
        pass
