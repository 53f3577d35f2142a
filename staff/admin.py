"""Staff accounts in the admin: a coordinador gives roles, and nothing else (DESIGN §8: no
staff role can grant itself more).

Django's own user admin lets anyone who may change users tick "superuser" (for themselves too),
hand out single permissions and put people in any group. Here the superuser and staff flags are
never edited (the deployer's superuser comes from `createsuperuser`), there are no single
permissions, the groups offered are the three roles, and "staff" follows from having a role. A
superuser's account can be changed only by a superuser.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _

from lib.roles import ROLES

# django.contrib.auth registers its own (it comes first in INSTALLED_APPS).
admin.site.unregister(User)


@admin.register(User)
class StaffAccountAdmin(UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Roles"),
            {
                "fields": ("is_active", "groups", "is_staff", "is_superuser"),
                "description": _(
                    "Give the account its role. Staff access follows from having one; the "
                    "superuser flag is never set here."
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("is_staff", "is_superuser", "last_login", "date_joined")
    filter_horizontal = ("groups",)
    list_filter = ("is_active", "groups")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=ROLES).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _protects(self, request, obj) -> bool:
        return obj is not None and obj.is_superuser and not request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return not self._protects(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._protects(request, obj) and super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        has_role = user.groups.filter(name__in=ROLES).exists()
        if user.is_staff != (has_role or user.is_superuser):
            user.is_staff = has_role or user.is_superuser
            user.save(update_fields=["is_staff"])


# django-axes 8.3's own action "clean up expired attempts" fails outside a sign-in request
# (jazzband/django-axes#1424: the request lacks `axes_attempt_time`), with a server error;
# deleting the attempts (the admin's delete action) lifts a lockout.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class SignInAttemptAdmin(AccessAttemptAdmin):
    actions = []
