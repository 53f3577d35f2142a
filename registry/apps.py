from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("People")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lib.roles import ensure_roles

        # After every app: the permissions of apps migrated later must exist first.
        post_migrate.connect(ensure_roles, dispatch_uid="registry.ensure_roles")
