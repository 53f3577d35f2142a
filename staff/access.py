"""Who may reach staff pages: no public sign-up, and a second factor before any case data."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse

STAFF_PREFIXES = ("/admin/", "/personal/")


class StaffAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by coordinators, never by sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False


def has_confirmed_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _staff_path(request) -> bool:
    """Staff pages, in either language (/admin/…, /en/admin/…)."""
    path = request.path_info
    language_prefix = f"/{request.LANGUAGE_CODE}/" if hasattr(request, "LANGUAGE_CODE") else ""
    if language_prefix and path.startswith(language_prefix):
        path = "/" + path[len(language_prefix) :]
    return path.startswith(STAFF_PREFIXES)


class RequireStaffMFAMiddleware:
    """A signed-in user without a confirmed TOTP device is sent to set one up before any
    staff page (admin included) is shown."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and _staff_path(request) and not has_confirmed_second_factor(user):
            return redirect(reverse("mfa_activate_totp") + "?next=" + request.path)
        return self.get_response(request)
