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
from rest_framework.test import APIClient

from api.models import Partner, PartnerAPIKey
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
    """A test client signed in as `user`, past the sign-in pages, with the account as `.user`."""
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def issue_key(organisation: str = "Misión de la ONU", **fields) -> tuple[PartnerAPIKey, str]:
    """An API key of the partner organisation of that name: the key's row and its secret."""
    partner, _ = Partner.objects.get_or_create(name=organisation)
    return PartnerAPIKey.objects.create_key(name="sync", partner=partner, **fields)


# The personas (DESIGN §5), as healthchecks' hc/test.py has alice, bob and charlie: each is a test
# client, and a member of staff carries the account as `.user` (browser tests sign that account
# in). tests/registry/test_permission_matrix.py checks what each may open, page by page, and
# tests/staff/test_write_matrix.py what each may change, URL by URL and service by service.


@pytest.fixture
def anonymous(client):
    """A visitor who is not signed in: the public pages only; a staff page sends them to sign
    in."""
    return client


@pytest.fixture
def api_anonymous() -> APIClient:
    """An API caller without a key, reading English: the public tier of the API."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def partner_key(db) -> tuple[PartnerAPIKey, str]:
    return issue_key()


@pytest.fixture
def partner(partner_key) -> APIClient:
    """A partner organisation (`Authorization: Api-Key <key>` on every request, reading
    English): the partner tier of the API, read only. API only: on a staff page the key counts
    for nothing, as if anonymous."""
    api_key, secret = partner_key
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    client.api_key = api_key
    return client


@pytest.fixture
def documentalista(db):
    """Enters and edits people and case data, imports case files and submits records for
    verification; reads reference data, claims and the public's information. Never verifies,
    publishes, takes down or merges; of the queue, sees the drafts only."""
    return signed_in(make_staff("documentalista", DOCUMENTALISTA))


@pytest.fixture
def verificador(db):
    """What a documentalista does, plus release claims and lists of released people; verifies
    and publishes records they neither created nor last edited (the two-person rule). Never
    unpublishes, takes down or merges."""
    return signed_in(make_staff("verificador", VERIFICADOR))


@pytest.fixture
def otro_verificador(db):
    """A second verifier, for the two-person rule: may verify what `verificador` edited."""
    return signed_in(make_staff("otro_verificador", VERIFICADOR))


@pytest.fixture
def coordinador(db):
    """Everything in the registry's apps (reference data, statistics, partners and their keys),
    plus user accounts; the only one who unpublishes, takes down and merges records. The role
    groups themselves are kept by `lib.roles.ensure_roles`, not edited."""
    return signed_in(make_staff("coordinador", COORDINADOR))


@pytest.fixture
def superuser(db):
    """The deployer's account (`createsuperuser`), with a second factor and no role: Django's
    permissions all say yes to it (the whole admin), the workflow's rules (cases/rules.py) say
    no: it neither submits, verifies, publishes nor takes down, and verifies no release."""
    user = make_staff("superusuario")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return signed_in(user)


@pytest.fixture
def staff_without_private_data(db):
    """Staff with every case permission except `view_private_data`: case data without a single
    private field."""
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
