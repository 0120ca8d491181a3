from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Commune, Enterprise, IndustrialZone, Sector

PROFILE_FIELDS = [
    "tax_code",
    "name",
    "commune",
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
        commune = _choice(self, "commune")
        commune.queryset = scope.communes(Commune.objects.in_force(timezone.localdate()))
        commune.required = True
        commune.label_from_instance = lambda obj: f"{obj.code} – {obj.full_name}"  # type: ignore[method-assign]
        _choice(self, "industrial_zone").queryset = scope.zones(IndustrialZone.objects.select_related("district"))
        if scope.is_unit:
            commune.initial = scope.commune_id
        commune.error_messages["invalid_choice"] = _("You can only register enterprises in your own commune or ward.")

    def clean(self) -> dict:
        data = super().clean() or {}
        zone, commune = data.get("industrial_zone"), data.get("commune")
        if zone and commune and not commune.origins.filter(district_id=zone.district_id).exists():
            self.add_error("industrial_zone", _("This industrial zone is not in the commune or ward."))
        return data


class EnterpriseContactForm(forms.ModelForm):
    """What enterprise staff may change about their own enterprise."""

    class Meta:
        model = Enterprise
        fields = list(Enterprise.CONTACT_FIELDS)
