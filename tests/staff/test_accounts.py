"""Staff accounts: a coordinador gives roles and nothing more (staff/admin.py; DESIGN §8)."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from lib.roles import COORDINADOR, DOCUMENTALISTA, VERIFICADOR
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def change(client, user: User, **fields):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "groups": [],
        **fields,
    }
    return client.post(reverse("admin:auth_user_change", args=[user.pk]), data)


def role(name: str) -> int:
    return Group.objects.get(name=name).pk


def test_a_coordinador_gives_a_role_and_staff_follows_from_it(coordinador):
    newcomer = User.objects.create_user("nueva", password="x-Very-Long-Pass-123")
    assert not newcomer.is_staff
    response = change(coordinador, newcomer, groups=[role(VERIFICADOR)])
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert list(newcomer.groups.values_list("name", flat=True)) == [VERIFICADOR]

    assert change(coordinador, newcomer, groups=[]).status_code == 302
    newcomer.refresh_from_db()
    assert not newcomer.is_staff and not newcomer.groups.exists()


def test_superuser_staff_flags_and_single_permissions_cannot_be_set(coordinador):
    documentalista = make_staff("doc", DOCUMENTALISTA)
    every_permission = list(Permission.objects.values_list("pk", flat=True))
    for target in (documentalista, coordinador.user):  # someone else, and oneself
        response = change(
            coordinador,
            target,
            groups=[role(COORDINADOR)],
            is_superuser="on",
            is_staff="on",
            user_permissions=every_permission,
        )
        assert response.status_code == 302
        target.refresh_from_db()
        assert not target.is_superuser
        assert not target.user_permissions.exists()
        assert list(target.groups.values_list("name", flat=True)) == [COORDINADOR]


def test_a_group_that_is_not_a_role_is_refused_and_nothing_is_saved(coordinador):
    documentalista = make_staff("doc", DOCUMENTALISTA)
    powerful = Group.objects.create(name="todo")
    powerful.permissions.set(Permission.objects.all())
    response = change(coordinador, documentalista, groups=[powerful.pk], first_name="Cambio")
    assert response.status_code == 200  # the form again, with its error
    assert list(response.context["adminform"].form.errors) == ["groups"]
    documentalista.refresh_from_db()
    assert documentalista.first_name == ""
    assert list(documentalista.groups.values_list("name", flat=True)) == [DOCUMENTALISTA]


def test_a_coordinador_cannot_change_the_superusers_account(coordinador):
    root = User.objects.create_superuser("root", password="x-Very-Long-Pass-123")
    for url in (
        reverse("admin:auth_user_change", args=[root.pk]),
        reverse("admin:auth_user_password_change", args=[root.pk]),
    ):
        assert coordinador.post(url, {"password1": "a", "password2": "a"}).status_code == 403
    assert coordinador.get(reverse("admin:auth_user_delete", args=[root.pk])).status_code == 403
    root.refresh_from_db()
    assert root.check_password("x-Very-Long-Pass-123") and root.is_superuser
