from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from enterprises.imports import jobs

        from .imports import background

        jobs.register(background.IMPORTER)
