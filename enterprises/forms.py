from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import District, Enterprise, IndustrialZone, Sector

PROFILE_FIELDS = [
    "tax_code",
    "name",
    "district",
    "sector",
    "address",
    "industrial_zone",
    "ownership",
    "size",
    "employees",
    "is_designated_energy_user",
    "active",
]


def _choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """A model choice field of the form, typed as such."""
    return cast(forms.ModelChoiceField, form.fields[name])


class EnterpriseForm(forms.ModelForm):
    """Full enterprise profile (DOIT, and officers within their district)."""

    class Meta:
        model = Enterprise
        fields = [*PROFILE_FIELDS, *Enterprise.CONTACT_FIELDS]

    def __init__(self, *args, actor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "sector").queryset = Sector.objects.filter(parent=None)
        # An officer can only place an enterprise in their own unit: the field offers only that
        # unit and refuses any other id that is posted.
        scope = actor.scope
        _choice(self, "district").queryset = scope.districts(District.objects.all())
        _choice(self, "industrial_zone").queryset = scope.offices(
            IndustrialZone.objects.select_related("district"), "district"
        )
        if scope.is_unit:
            self.fields["district"].initial = scope.district_id
        self.fields["district"].error_messages["invalid_choice"] = _(
            "You can only register enterprises in your own district."
        )

    def clean(self) -> dict:
        data = super().clean() or {}
        zone, district = data.get("industrial_zone"), data.get("district")
        if zone and district and zone.district_id != district.pk:
            self.add_error("industrial_zone", _("This industrial zone is in another district."))
        return data


class EnterpriseContactForm(forms.ModelForm):
    """What enterprise staff may change about their own enterprise."""

    class Meta:
        model = Enterprise
        fields = list(Enterprise.CONTACT_FIELDS)
