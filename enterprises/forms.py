from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cleanprod.widgets import DayInput

from .models import Commune, Contact, Enterprise, IndustrialZone, Sector

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
    "registered_on",
    "closed_on",
]


def _choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """A model choice field of the form, typed as such."""
    return cast(forms.ModelChoiceField, form.fields[name])


class EnterpriseForm(forms.ModelForm):
    """Full enterprise profile (DOIT, and officers within their district). An enterprise that
    closes gets a closure date (it stays in the figures of the years before)."""

    class Meta:
        model = Enterprise
        fields = [*PROFILE_FIELDS, *Enterprise.CONTACT_FIELDS]
        widgets = {"registered_on": DayInput(), "closed_on": DayInput()}

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
        registered = self.fields["registered_on"]
        registered.required = False  # left blank: today for a new enterprise, unchanged for one on file
        registered.help_text = _("Left blank: today for a new enterprise.")

    def clean_registered_on(self):
        value = self.cleaned_data.get("registered_on")
        if value is None:
            value = self.instance.registered_on if self.instance.pk else timezone.localdate()
        return value

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


# --------------------------------------------------------------------------- CP contacts


class StaffAccountField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


def _staff_accounts(enterprise: Enterprise):
    from accounts.models import User

    return User.objects.filter(enterprise=enterprise, is_active=True).order_by("full_name", "username")


class ContactForm(forms.ModelForm):
    """A person of the enterprise who carries the programme."""

    user = StaffAccountField(
        label=_("Portal account"),
        queryset=Enterprise.objects.none(),
        required=False,
        help_text=_("The person's own account on the portal, if they have one."),
    )

    class Meta:
        model = Contact
        fields = ["role", "full_name", "phone", "email", "held_from", "user"]
        widgets = {"held_from": DayInput()}

    def __init__(self, *args, enterprise: Enterprise, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = _staff_accounts(enterprise)
        if not self.is_bound:
            self.fields["held_from"].initial = timezone.localdate()


class HandoverForm(forms.Form):
    """The officer records that a contact left and who took over: the successor's existing
    account, or a new one created for them (a set-password link is e-mailed)."""

    on = forms.DateField(label=_("Handover date"), widget=DayInput())
    full_name = forms.CharField(label=_("Successor's full name"), max_length=120)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    successor_account = StaffAccountField(
        label=_("Successor's portal account"),
        queryset=Enterprise.objects.none(),
        required=False,
        help_text=_(
            "Their account opens on a summary of the enterprise: its assessments, options, verified savings and "
            "open tasks. If they have none yet, create it below."
        ),
    )
    create_account = forms.BooleanField(
        label=_("Create a portal account for the successor"),
        required=False,
        help_text=_(
            "An account of this enterprise with the name, phone and e-mail above; a link to set their password "
            "is e-mailed to them, and their first sign-in opens on the summary of the enterprise."
        ),
    )
    username = forms.CharField(label=_("User name of the new account"), max_length=150, required=False)

    def __init__(self, *args, contact: Contact, can_create_account: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        accounts = _staff_accounts(contact.enterprise)
        if contact.user_id:
            accounts = accounts.exclude(pk=contact.user_id)
        cast(forms.ModelChoiceField, self.fields["successor_account"]).queryset = accounts
        if not can_create_account:
            del self.fields["create_account"], self.fields["username"]
        if not self.is_bound:
            self.fields["on"].initial = timezone.localdate()

    def clean(self) -> dict:
        data = super().clean() or {}
        if not data.get("create_account"):
            data["username"] = ""
            return data
        if data.get("successor_account"):
            self.add_error(
                "create_account", _("Choose the successor's existing account or create a new one, not both.")
            )
        if not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("An e-mail address is needed to send the new account its link."))
        if not (data.get("username") or "").strip():
            self.add_error("username", _("Choose a user name for the new account."))
        return data

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("The handover date cannot be in the future."))
        return on
