from django.apps import AppConfig
from django.core import checks


class LibConfig(AppConfig):
    """Shared plumbing: no models; its system checks and the `rotate_keys` command."""

    name = "lib"

    def ready(self) -> None:
        from lib.production_secrets import check_secrets, check_secrets_for_deployment

        checks.register(check_secrets, checks.Tags.security)
        checks.register(check_secrets_for_deployment, checks.Tags.security, deploy=True)
