"""Create (or reset) the demo coordinator account of `make run` and print its credentials.

Development only: it refuses to run with DEBUG off. The password is new on every run.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lib.roles import COORDINADOR, ensure_roles

USERNAME = "coordinador"


class Command(BaseCommand):
    help = "Create or reset the demo coordinator account (development only)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo coordinator is for development only (DEBUG is off).")
        ensure_roles()
        group = Group.objects.get(name=COORDINADOR)
        user, _created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"email": "coordinador@example.org"}
        )
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_staff = True
        user.save()
        user.groups.add(group)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo coordinator: user '{USERNAME}', password '{password}' "
                "(http://127.0.0.1:8000/admin/). On first sign-in, set up the second factor "
                "with an authenticator app (TOTP): staff see no case data without it."
            )
        )
