from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadOnly(BasePermission):
    """The API's default permission (DESIGN §5.5): reading only, in every tier.

    Writes are refused as 405 whoever asks, so a partner key never unlocks a write.
    """

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS:
            raise exceptions.MethodNotAllowed(request.method, detail=_("The API is read-only."))
        return True
