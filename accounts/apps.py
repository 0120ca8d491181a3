from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .signals import stamp_sign_in_time

        user_logged_in.connect(stamp_sign_in_time, dispatch_uid="accounts.stamp_sign_in_time")
