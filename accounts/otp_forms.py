"""Forms of the second factor: a six-digit code from the authenticator app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import otp


class CodeForm(forms.Form):
    """A code checked against ``device``: to confirm a new device (``confirming=True``) or to
    sign in / turn the second factor off with a confirmed one."""

    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def __init__(self, *args, device: TOTPDevice, confirming: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.device = device
        self.confirming = confirming

    def clean_otp_token(self) -> str:
        token = "".join(self.cleaned_data["otp_token"].split())
        if not token.isdigit() or len(token) != self.device.digits:
            raise forms.ValidationError(
                _("Enter the %(digits)s-digit code shown by your authenticator app."),
                code="format",
                params={"digits": self.device.digits},
            )
        wait = otp.throttle_wait_seconds(self.device)
        if wait:
            raise forms.ValidationError(
                ngettext(
                    "Too many wrong codes. Wait %(seconds)d second and try again.",
                    "Too many wrong codes. Wait %(seconds)d seconds and try again.",
                    wait,
                )
                % {"seconds": wait},
                code="throttled",
            )
        check = otp.device_confirm if self.confirming else otp.device_verify
        if not check(device=self.device, token=token):
            raise forms.ValidationError(_("This code is wrong or has already been used."), code="invalid")
        return token
