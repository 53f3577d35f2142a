import functools

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from config.celery import app as celery_app
from lib.roles import COORDINADOR, DOCUMENTALISTA, VERIFICADOR

STAFF_PASSWORD = "x-Very-Long-Pass-123"


@functools.cache
def staff_password_hash() -> str:
    """Every staff account here has the same password, so it is hashed once: the production
    hasher is slow on purpose (about 0.4 s a hash on this kind of machine)."""
    return make_password(STAFF_PASSWORD)


def make_staff(username: str, *groups: str, second_factor: bool = True):
    """A staff account in the given role groups, with a confirmed TOTP device; its password
    is STAFF_PASSWORD."""
    user = get_user_model().objects.create(
        username=username, password=staff_password_hash(), is_staff=True
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    if second_factor:
        TOTP.activate(user, generate_totp_secret())
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def anonymous(client):
    return client


@pytest.fixture
def documentalista(db):
    return signed_in(make_staff("documentalista", DOCUMENTALISTA))


@pytest.fixture
def verificador(db):
    return signed_in(make_staff("verificador", VERIFICADOR))


@pytest.fixture
def otro_verificador(db):
    return signed_in(make_staff("otro_verificador", VERIFICADOR))


@pytest.fixture
def coordinador(db):
    return signed_in(make_staff("coordinador", COORDINADOR))


@pytest.fixture
def staff_without_private_data(db):
    """Staff with every case permission except `view_private_data`."""
    user = make_staff("staff")
    group = Group.objects.create(name="staff-without-private-data")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["registry", "cases", "facilities"]
        ).exclude(codename="view_private_data")
    )
    user.groups.add(group)
    return signed_in(user)


@pytest.fixture(autouse=True)
def _plain_http_and_static(settings):
    """Tests run the production settings, but over plain HTTP and without collected static files."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Tasks run eagerly in tests even when CELERY_BROKER_URL is set (CI sets it for the one
    test that starts a real worker, tests/imports/test_real_worker.py)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (allauth's sign-in limits, API throttles) count in the cache: start empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _spanish_by_default():
    """Each test starts in the default language, whatever the previous request activated."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
