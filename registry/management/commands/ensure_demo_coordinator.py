"""Create (or reset) the demo coordinator account of `make run` and print its credentials.

Development only: it refuses to run with DEBUG off. The password is new on every run; the
second factor (TOTP) the developer set up stays, unless `--forget-second-factor`.
"""

import secrets

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from lib.roles import COORDINADOR, ensure_roles

USERNAME = "coordinador"

FIRST_SIGN_IN = """\
Second factor (TOTP), asked for at the first sign-in: staff see no case data without one.
After the password you are asked for the password once more, then shown a QR code: scan it with
an authenticator app (Aegis, FreeOTP, Google Authenticator, 1Password…; or type in the secret
shown under it, or run `oathtool --totp -b SECRET`) and enter the 6-digit code the app shows.
Keep the recovery codes shown next, then go on to {staff} or {admin}.
Every later sign-in asks for the app's current code."""

LATER_SIGN_IN = """\
Second factor: set up in an earlier run. After the password, enter the 6-digit code your
authenticator app shows for Registro (or a recovery code). Lost it? Run
`.venv/bin/python manage.py ensure_demo_coordinator --forget-second-factor`, then sign in and
set up a new one."""


class Command(BaseCommand):
    help = "Create or reset the demo coordinator account (development only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--port", type=int, default=8000, help="The development server's port, for the URLs."
        )
        parser.add_argument(
            "--forget-second-factor",
            action="store_true",
            help="Remove the account's authenticator app and recovery codes.",
        )

    @transaction.atomic
    def handle(self, *args, port: int, forget_second_factor: bool, **options) -> None:
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
        if forget_second_factor:
            Authenticator.objects.filter(user=user).delete()
        has_second_factor = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists()

        site = f"http://127.0.0.1:{port}"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo coordinator (a new password on every run):\n"
                f"  user      {USERNAME}\n"
                f"  password  {password}\n"
                f"  sign in   {site}{reverse('account_login')}\n"
                f"  site      {site}/    admin {site}{reverse('admin:index')}"
            )
        )
        self.stdout.write(
            LATER_SIGN_IN
            if has_second_factor
            else FIRST_SIGN_IN.format(
                staff=site + reverse("staff:queue"), admin=site + reverse("admin:index")
            )
        )
