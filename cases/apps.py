from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cases import projection

        post_migrate.connect(projection.keep_in_step, sender=self)
