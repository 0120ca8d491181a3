from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ProgrammeSettings
from .services import FIELDS


class ProgrammeSettingsForm(forms.ModelForm):
    class Meta:
        model = ProgrammeSettings
        fields = FIELDS
        localized_fields = ("evidence_toe_threshold",)  # 25,5 in Vietnamese

    def clean(self):
        data = super().clean()
        if not (data.get("aware_awareness_courses") or data.get("aware_workshops")):
            raise forms.ValidationError(
                _("At least one course kind must count as awareness (awareness courses or technical workshops).")
            )
        return data
