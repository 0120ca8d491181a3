from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from . import enterprise_dashboard  # noqa: F401 (registers its tasks)
        from .dashboard import connect_signals

        connect_signals()
