from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enterprises.models import District, Enterprise

from .models import Role, User


class UserForm(forms.ModelForm):
    """Create or edit an account. The choices of role, district and enterprise are limited to
    what the acting user may grant; anything else posted is refused by the field itself."""

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "phone", "role", "district", "enterprise", "is_active"]
        labels = {"is_active": _("Active (can sign in)")}

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["email"].required = True
        self.fields["full_name"].required = True
        # Active enterprises, and the account's current one even if it has closed since: its
        # staff account must stay editable (to deactivate it, above all).
        enterprises = (
            Enterprise.objects.visible_to(actor)
            .filter(Q(active=True) | Q(pk=self.instance.enterprise_id))
            .select_related("district")
        )
        if actor.scope.is_city:
            role_choices = [(Role.OFFICER, Role.OFFICER.label), (Role.ENTERPRISE, Role.ENTERPRISE.label)]
            cast(forms.ChoiceField, self.fields["role"]).choices = role_choices
            cast(forms.ModelChoiceField, self.fields["district"]).queryset = actor.scope.districts(
                District.objects.all()
            )
        else:  # an officer creates enterprise staff of their own district only
            cast(forms.ChoiceField, self.fields["role"]).choices = [(Role.ENTERPRISE, Role.ENTERPRISE.label)]
            self.fields["role"].initial = Role.ENTERPRISE
            del self.fields["district"]
        # A tax code box rather than a select: the city has tens of thousands of enterprises.
        self.fields["enterprise"] = forms.ModelChoiceField(
            queryset=enterprises,
            to_field_name="tax_code",
            required=False,
            label=_("Enterprise (tax code)"),
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
            error_messages={"invalid_choice": _("No enterprise with this tax code in your scope.")},
        )
        if self.instance.enterprise_id and self.initial.get("enterprise") == self.instance.enterprise_id:
            # The box shows and takes a tax code; the instance's initial value would be its pk.
            self.initial["enterprise"] = self.instance.enterprise.tax_code
        if self.instance.pk is None:
            del self.fields["is_active"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another account already uses this e-mail address."))
        return email

    def clean(self) -> dict:
        data = super().clean() or {}
        role = data.get("role")
        if role == Role.OFFICER and not data.get("district"):
            self.add_error("district", _("A district officer must have a district."))
        if role == Role.ENTERPRISE and not data.get("enterprise"):
            self.add_error("enterprise", _("Enterprise staff must belong to an enterprise."))
        return data


class PortalAuthenticationForm(AuthenticationForm):
    """Django's sign-in form with the user name's length checked before anything is looked up
    (Django sets the field's max_length without its validator, so a 3,000-character name reached
    the lockout's 255-character column)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(getattr(field, "max_length", None) or 150))
