from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EmailMode


class NotificationSettingsForm(forms.Form):
    email = forms.ChoiceField(
        label=_("E-mail me"), choices=EmailMode.choices, widget=forms.RadioSelect, initial=EmailMode.IMMEDIATE
    )
