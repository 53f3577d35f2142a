import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import translation


@pytest.fixture
def anonymous(client):
    return client


def _staff_client(client, username: str, *, private_data: bool):
    user = get_user_model().objects.create_user(username=username, password="x", is_staff=True)
    group, _ = Group.objects.get_or_create(name=f"{username}-group")
    permissions = Permission.objects.filter(
        content_type__app_label__in=["registry", "cases", "facilities"]
    )
    if not private_data:
        permissions = permissions.exclude(codename="view_private_data")
    group.permissions.set(permissions)
    user.groups.add(group)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def coordinador(client):
    """A coordinator: every case permission, private data included."""
    return _staff_client(client, "coordinador", private_data=True)


@pytest.fixture
def staff_without_private_data(client):
    """Staff with every case permission except `view_private_data`."""
    return _staff_client(client, "staff", private_data=False)


@pytest.fixture(autouse=True)
def _plain_http_and_static(settings):
    """Tests run the production settings, but over plain HTTP and without collected static files."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _spanish_by_default():
    """Each test starts in the default language, whatever the previous request activated."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
