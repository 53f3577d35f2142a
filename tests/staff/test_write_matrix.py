"""Every write × every persona → allowed or refused (issue #12, DESIGN §8: nothing public changes
without a second person; no staff role can grant itself more).

Writes are every URL that takes POST (the staff pages, the imports, the public forms, the
accounts, and the admin's add, change, delete and action URLs of every registered model) and
every workflow service. A refused write must change nothing: PostgreSQL counts, per
transaction, the rows each table had written (`pg_stat_xact_user_tables`), and a test runs in
one transaction. An allowed write must have its effect.

The lists are checked against the URL configuration and the admin registry: a new view that
takes POST, a new admin page or a new admin action fails `test_every_write_path_is_listed`
until its row is added here. Function views must say which methods they take
(`require_http_methods`, `require_POST`, `require_safe`): one that does not counts as a write.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import inspect
import itertools
from collections.abc import Callable

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AnonymousUser, Group, User
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.models import Partner
from cases import projection, services
from cases.models import Charge, PublicVersion, Release, ReleaseClaim, Source
from imports.models import ImportJob, ImportState
from lib.roles import DOCUMENTALISTA
from lib.vocabulary import VerificationLevel
from registry.models import ConsentBasis, InformationSubmission, Person, RecordState
from stats.models import ExternalTotal
from tests import factories
from tests.admin_forms import form_data
from tests.conftest import STAFF_PASSWORD, issue_key, make_staff, signed_in
from tests.imports.conftest import csv_bytes, row, validated

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "partner", "documentalista", "verificador", "coordinador", "superuser")
D, V, C, S = "documentalista", "verificador", "coordinador", "superuser"
EVERYONE = frozenset(PERSONAS)
STAFF = frozenset({D, V, C, S})
CHECKERS = frozenset({V, C})  # the workflow's verifiers: never a superuser without a role
NOBODY = frozenset()
SIGN_IN = 302  # anonymous visitors (and partners: an API key counts for nothing here)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Written by any request of a signed-in user (the session), or by a sign-in attempt (Axes).
NEW_PASSWORD = "x-Other-Long-Pass-789"
BOOKKEEPING_TABLES = {"django_session", "axes_accesslog", "axes_accessattempt"}


# What a request wrote ---------------------------------------------------------------------------


def _rows_written() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return dict(cursor.fetchall())


@contextlib.contextmanager
def tables_written():
    """The tables written inside the block, with how many rows: {} if nothing was."""
    before, written = _rows_written(), {}
    yield written
    after = _rows_written()
    for table, count in after.items():
        if count != before.get(table, 0):
            written[table] = count - before.get(table, 0)


def test_the_row_counts_see_a_write_and_nothing_else():
    with tables_written() as written:
        Person.objects.exists()
    assert written == {}
    with tables_written() as written:
        Charge.objects.create(name="Terrorismo")
    assert written == {"cases_charge": 1, "cases_chargeaudit": 1}


# The world every persona writes to ------------------------------------------------------------

_numbers = itertools.count(1)


def _number() -> int:
    return next(_numbers)


def _word() -> str:
    """A name unlike any other here (the admin refuses to save a likely duplicate)."""
    digest = hashlib.sha256(str(_number()).encode()).digest()
    return "".join(chr(ord("a") + byte % 26) for byte in digest[:8]).capitalize()


def fresh_person(world, **fields) -> Person:
    """A record by the world's documentalista, with a name like no other (no likely duplicate)."""
    values = {
        "given_names": _word(),
        "first_surname": _word(),
        "second_surname": "",
        "consent_basis": ConsentBasis.FAMILY,
        "created_by": world["author"],
    }
    return factories.person(**(values | fields))


def fresh_release(world, **fields) -> Release:
    person = fresh_person(world)
    with factories.as_user(world["author"]):
        return services.release_record(
            detention=factories.detained(person),
            released_on=datetime.date(2025, 6, 1),
            kind="unconditional",
            **fields,
        )


@pytest.fixture
def world(
    settings, tmp_path, anonymous, partner, documentalista, verificador, coordinador, superuser
):
    """Records in every state, facts, reference data, accounts and partners, all written by
    someone other than the personas (so that no persona is barred as their author)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    author = make_staff("autora", DOCUMENTALISTA)
    deployer = make_staff("despliegue")
    deployer.is_superuser = True
    deployer.save()
    world = {
        "clients": {
            "anonymous": anonymous,
            "partner": partner,
            "documentalista": documentalista,
            "verificador": verificador,
            "coordinador": coordinador,
            "superuser": superuser,
        },
        "author": author,
        # Reads the admin's forms, to post them back as a person would.
        "reader": signed_in(deployer),
    }
    world["draft"] = fresh_person(world)
    world["submitted"] = fresh_person(world)
    services.person_submit(person=world["submitted"], by=author)
    world["verified"] = fresh_person(
        world, record_state=RecordState.VERIFIED, verification_level=VerificationLevel.VERIFIED
    )
    world["published"] = fresh_person(
        world, record_state=RecordState.PUBLISHED, verification_level=VerificationLevel.VERIFIED
    )
    world["duplicate"] = fresh_person(world)
    # Published, approved, then changed by the world's documentalista: changes pending review
    # (one to approve, one to send back).
    for key in ("changed", "changed_too"):
        world[key] = factories.approved(
            fresh_person(
                world,
                record_state=RecordState.PUBLISHED,
                verification_level=VerificationLevel.VERIFIED,
            )
        )
        with factories.as_user(author):
            Source.objects.create(
                person=world[key], kind="press", title="Nota nueva", is_confidential=False
            )
        assert services.note_public_changes(person=world[key])
    world["release"] = fresh_release(world)
    world["verified_release"] = fresh_release(world)
    services.release_verify(release=world["verified_release"], by=factories.verifier())
    with factories.as_user(author):
        world["claim"] = ReleaseClaim.objects.create(
            announced_on=datetime.date(2026, 1, 10), claimant="Ministro", claimed_count=116
        )
    factories.facility(name="Rodeo I")
    world["import_job"] = validated(csv_bytes([row(given_names="Importada")]), user=author)
    assert world["import_job"].state == ImportState.VALIDATED, world["import_job"].errors
    return world


# The writes outside the admin -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Write:
    name: str  # the URL's name, for the check that every write is listed
    url: Callable[[dict], str]
    allowed: frozenset[str]
    data: Callable[[dict], dict] = lambda world: {}
    done: Callable[[dict], bool] | None = None  # the effect of an allowed write
    # Statuses of an allowed write and of a refused one, by staff and by the signed out
    # (anonymous, partner); None: as by staff.
    status: int = 302
    refused: int = 403
    status_signed_out: int | None = None
    refused_signed_out: int = SIGN_IN
    tables: frozenset[str] = frozenset()  # what an allowed write may write without `done`


def fingerprint_of(person: Person) -> str:
    return projection.fingerprint(projection.document(person))


def versions_of(person: Person) -> int:
    return PublicVersion.objects.filter(person=person).count()


def state(world, key: str) -> str:
    return Person.objects.get(pk=world[key].pk).record_state


def transition(key: str, word: str) -> Callable[[dict], str]:
    return lambda world: reverse("staff:transition", args=[world[key].pk, word])


def release_step(key: str, word: str) -> Callable[[dict], str]:
    return lambda world: reverse("staff:release-transition", args=[world[key].pk, word])


def upload(name: str) -> Callable[[dict], dict]:
    return lambda world: {"file": ContentFile(csv_bytes([row()]), name=name)}


WRITES = [
    Write(
        "staff:transition",
        transition("draft", "enviar"),
        allowed=frozenset({D, V, C}),
        done=lambda world: state(world, "draft") == RecordState.SUBMITTED,
    ),
    Write(
        "staff:transition",
        transition("submitted", "verificar"),
        allowed=CHECKERS,
        done=lambda world: state(world, "submitted") == RecordState.VERIFIED,
    ),
    Write(
        "staff:transition",
        transition("verified", "publicar"),
        allowed=CHECKERS,
        done=lambda world: state(world, "verified") == RecordState.PUBLISHED,
    ),
    Write(
        "staff:transition",
        transition("published", "despublicar"),
        allowed=frozenset({C}),
        data=lambda world: {"reason": "Riesgo para la familia"},
        done=lambda world: state(world, "published") == RecordState.UNPUBLISHED,
    ),
    Write(
        "staff:transition",
        transition("published", "retirar"),
        allowed=frozenset({C}),
        data=lambda world: {"reason": "Pedido de la familia"},
        done=lambda world: state(world, "published") == RecordState.REMOVED,
    ),
    Write("staff:transition", transition("draft", "inventada"), allowed=NOBODY),
    Write(
        "staff:merge",
        lambda world: reverse("staff:merge", args=[world["draft"].pk]),
        allowed=frozenset({C}),
        data=lambda world: {
            "duplicate_public_id": world["duplicate"].public_id,
            "reason": "La misma persona",
        },
        done=lambda world: not Person.objects.filter(pk=world["duplicate"].pk).exists(),
    ),
    Write(
        "staff:release-transition",
        release_step("release", "verificar"),
        allowed=CHECKERS,
        done=lambda world: Release.objects.get(pk=world["release"].pk).verified,
    ),
    Write(
        "staff:release-transition",
        release_step("verified_release", "anular-verificacion"),
        allowed=CHECKERS,
        data=lambda world: {"reason": "La familia lo desmintió"},
        done=lambda world: not Release.objects.get(pk=world["verified_release"].pk).verified,
    ),
    Write("staff:release-transition", release_step("release", "inventada"), allowed=NOBODY),
    Write(
        "staff:changes",
        lambda world: reverse("staff:changes", args=[world["changed"].pk]),
        allowed=CHECKERS,
        data=lambda world: {"seen": fingerprint_of(world["changed"])},
        done=lambda world: versions_of(world["changed"]) == 2,
    ),
    Write(
        "staff:changes",
        lambda world: reverse("staff:changes", args=[world["changed_too"].pk]),
        allowed=CHECKERS,
        data=lambda world: {"send_back": "1", "reason": "Falta la fuente del traslado"},
        done=lambda world: bool(Person.objects.get(pk=world["changed_too"].pk).changes_sent_back),
    ),
    # Imports are not workflow steps: model permissions decide, which a superuser passes. They
    # make drafts, which a second person verifies.
    Write(
        "imports:upload",
        lambda world: reverse("imports:upload"),
        allowed=STAFF,
        data=upload("casos.csv"),
        done=lambda world: ImportJob.objects.filter(original_name="casos.csv").exists(),
    ),
    Write(
        "imports:confirm",
        lambda world: reverse("imports:confirm", args=[world["import_job"].pk]),
        allowed=STAFF,
        done=lambda world: (
            ImportJob.objects.get(pk=world["import_job"].pk).state == ImportState.COMMITTING
        ),
    ),
    Write(
        "imports:release-list-upload",
        lambda world: reverse("imports:release-list-upload"),
        allowed=frozenset({V, C, S}),
        data=lambda world: {
            "file": ContentFile(b"nombre\nAna Prueba\n", name="lista.csv"),
            "announced_on": "2026-01-10",
            "claimant": "Ministro",
            "claimed_count": "1",
        },
        done=lambda world: ImportJob.objects.filter(original_name="lista.csv").exists(),
    ),
    # The public's forms: anyone.
    Write(
        "public:information",
        lambda world: reverse("public:information"),
        allowed=EVERYONE,
        data=lambda world: {"about_name": "Pedro Pérez", "message": "Lo detuvieron ayer."},
        done=lambda world: InformationSubmission.objects.filter(about_name="Pedro Pérez").exists(),
    ),
    # Searching by POST reads, and writes nothing.
    Write("public:search", lambda world: reverse("public:search"), EVERYONE, status=200),
    Write(
        "set_language",
        lambda world: reverse("set_language"),
        allowed=EVERYONE,
        data=lambda world: {"language": "en"},
    ),
    # Accounts (allauth): each persona acts on its own account only. Posted empty, every form
    # comes back or sends on, and changes nothing; sign-up is closed whatever is posted.
    *(
        Write(name, lambda world, name=name: reverse(name), allowed, **statuses)
        for name, allowed, statuses in (
            ("account_login", EVERYONE, {"status_signed_out": 200}),
            ("account_reauthenticate", STAFF, {"status": 200}),
            ("account_email", STAFF, {}),
            ("account_change_password", STAFF, {"status": 200}),
            ("account_set_password", STAFF, {}),
            ("account_reset_password", EVERYONE, {"status": 200}),
            ("account_confirm_login_code", EVERYONE, {}),
            ("mfa_authenticate", EVERYONE, {}),
            ("mfa_reauthenticate", STAFF, {"status": 200}),
            ("mfa_activate_totp", STAFF, {}),
            ("mfa_deactivate_totp", STAFF, {}),
            ("mfa_generate_recovery_codes", STAFF, {}),
        )
    ),
    # A function that hands over to a page taking GET only, with our settings (no codes).
    Write(
        "account_email_verification_sent",
        lambda world: reverse("account_email_verification_sent"),
        allowed=NOBODY,
        refused=405,
        refused_signed_out=405,
    ),
    Write(
        "account_signup",
        lambda world: reverse("account_signup"),
        allowed=EVERYONE,
        data=lambda world: {
            "username": "intrusa",
            "email": "intrusa@example.org",
            "password1": "x-Very-Long-Pass-456",
            "password2": "x-Very-Long-Pass-456",
        },
        status_signed_out=200,
    ),
    Write(
        "account_confirm_email",
        lambda world: reverse("account_confirm_email", args=["clave-inventada"]),
        allowed=EVERYONE,
        status=404,
    ),
    Write(
        "account_reset_password_from_key",
        lambda world: reverse(
            "account_reset_password_from_key", kwargs={"uidb36": "1", "key": "clave-inventada"}
        ),
        allowed=EVERYONE,
        status=200,
    ),
    # Last: a new password, then signing out, end the persona's session.
    Write(
        "account_change_password",
        lambda world: reverse("account_change_password"),
        allowed=STAFF,
        data=lambda world: {
            "oldpassword": STAFF_PASSWORD,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        done=lambda world: User.objects.get(pk=world["acting"].user.pk).check_password(
            NEW_PASSWORD
        ),
    ),
    Write("account_logout", lambda world: reverse("account_logout"), allowed=EVERYONE),
]


def _expected(write: Write, persona: str) -> tuple[int, bool]:
    """(status, allowed) for `persona` posting `write`."""
    signed_out = persona in ("anonymous", "partner")
    if persona in write.allowed:
        if signed_out and write.status_signed_out is not None:
            return write.status_signed_out, True
        return write.status, True
    return (write.refused_signed_out if signed_out else write.refused), False


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_write_outside_the_admin_answers_each_persona(world, persona):
    client = world["clients"][persona]
    world["acting"] = client
    failures = []
    for write in WRITES:
        url = write.url(world)
        status, allowed = _expected(write, persona)
        with tables_written() as written:
            response = client.post(url, write.data(world))
        unexpected = set(written) - BOOKKEEPING_TABLES - write.tables
        if response.status_code != status:
            failures.append(f"POST {url}: {response.status_code}, expected {status}")
        elif allowed and write.done is not None and not write.done(world):
            failures.append(f"POST {url}: allowed, but it did nothing")
        elif not allowed and unexpected:
            failures.append(f"POST {url}: refused, but it wrote {sorted(unexpected)}")
        elif allowed and write.done is None and unexpected:
            failures.append(f"POST {url}: should write nothing, wrote {sorted(unexpected)}")
    assert not failures, "\n".join(failures)


# The admin ----------------------------------------------------------------------------------------

CASE_DATA = {"add": STAFF, "change": STAFF, "delete": frozenset({C, S})}
REFERENCE_DATA = {
    "add": frozenset({C, S}),
    "change": frozenset({C, S}),
    "delete": frozenset({C, S}),
}
SUPERUSER_ONLY = {"add": frozenset({S}), "change": frozenset({S}), "delete": frozenset({S})}
READ_ONLY = {"add": NOBODY, "change": NOBODY, "delete": NOBODY}
# Who gets each admin write through, model by model (a refused one answers 403, or sends an
# anonymous visitor to sign in). The workflow's fields are read-only for everyone: records are
# verified and published through cases.services, never through a form.
ADMIN_WRITES = {
    "registry.person": CASE_DATA,
    "cases.detention": CASE_DATA,
    "cases.release": CASE_DATA,
    "cases.source": CASE_DATA,
    # The public's information: documentalistas and verifiers mark it handled.
    "registry.informationsubmission": {
        "add": frozenset({C, S}),
        "change": STAFF,
        "delete": frozenset({C, S}),
    },
    "cases.releaseclaim": {
        "add": frozenset({V, C, S}),
        "change": frozenset({V, C, S}),
        "delete": frozenset({C, S}),
    },
    "cases.charge": REFERENCE_DATA,
    "facilities.facility": REFERENCE_DATA,
    "api.partner": REFERENCE_DATA,
    "api.partnerapikey": REFERENCE_DATA,
    "stats.externaltotal": REFERENCE_DATA,
    # Accounts: coordinadores give roles (staff/admin.py); only a superuser deletes an account.
    "auth.user": {"add": frozenset({C, S}), "change": frozenset({C, S}), "delete": frozenset({S})},
    # The role groups are kept by lib.roles.ensure_roles: a coordinador cannot edit them.
    "auth.group": SUPERUSER_ONLY,
    # Sign-in plumbing, for the deployer only.
    "account.emailaddress": SUPERUSER_ONLY,
    "mfa.authenticator": SUPERUSER_ONLY,
    "axes.accessattempt": {"add": NOBODY, "change": frozenset({S}), "delete": frozenset({S})},
    "axes.accesslog": {"add": NOBODY, "change": frozenset({S}), "delete": frozenset({S})},
    "axes.accessfailurelog": {"add": NOBODY, "change": frozenset({S}), "delete": frozenset({S})},
    # Written by the system, never by hand: the audit trail, snapshots, imports.
    "pghistory.events": READ_ONLY,
    "stats.monthlysnapshot": READ_ONLY,
    "imports.importjob": READ_ONLY,
}
# Each admin action, and who may run it. Verifying a release or a claim is a workflow step: a
# superuser without a role may not, though Django lets them delete it.
ADMIN_ACTIONS = {
    "delete_selected": None,  # whoever may delete (ADMIN_WRITES)
    "verify_releases": CHECKERS,
    "verify_claims": CHECKERS,
    "make_verified": frozenset({S}),  # allauth: an account's e-mail address
}
# The admin site's own pages: what POST does there.
ADMIN_SITE_URLS = {
    "admin:index": "reads",
    "admin:app_list": "reads",
    "admin:jsi18n": "reads",
    "admin:autocomplete": "reads",
    "admin:view_on_site": "reads",
    "admin:login": "reads",  # shadowed by /admin/login/, which sends to allauth's sign-in
    "admin:password_change_done": "reads",
    "admin:logout": "signs out",
    "admin:password_change": "changes one's own password",
}


# Admin pages of a model beyond its list, add, change, delete and history pages.
ADMIN_EXTRA_PAGES = {
    # Another account's password: a coordinador sets it (but never a superuser's).
    "auth_user_password_change": frozenset({C, S}),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_setting_another_accounts_password(world, persona):
    account = _new_user(f"cuenta{_number()}")
    deployer = world["reader"].user
    client = world["clients"][persona]
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    for target, allowed in (
        (account, persona in ADMIN_EXTRA_PAGES["auth_user_password_change"]),
        (deployer, persona == S),  # a superuser's account: only a superuser
    ):
        url = reverse("admin:auth_user_password_change", args=[target.pk])
        with tables_written() as written:
            response = client.post(url, data)
        changed = User.objects.get(pk=target.pk).check_password(NEW_PASSWORD)
        assert changed == allowed, (target, response.status_code)
        if not allowed:
            assert response.status_code == _refused_status(persona)
            assert set(written) <= BOOKKEEPING_TABLES


def _new_user(username: str) -> User:
    return make_staff(username, DOCUMENTALISTA, second_factor=False)


def _expired_attempt() -> AccessAttempt:
    attempt = AccessAttempt.objects.create(
        username=f"alguien{_number()}",
        ip_address="127.0.0.1",
        user_agent="x",
        http_accept="*/*",
        path_info="/cuentas/login/",
        get_data="",
        post_data="",
        failures_since_start=1,
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=timezone.now() - datetime.timedelta(days=2)
    )
    return attempt


def _audit_event(world):
    from pghistory.models import Events

    return Events.objects.order_by("pgh_created_at").first()


# One new object of each model, written by nobody of the personas.
ADMIN_OBJECTS = {
    "registry.person": fresh_person,
    "cases.detention": lambda world: factories.detained(fresh_person(world)),
    "cases.release": fresh_release,
    "cases.source": lambda world: Source.objects.create(
        person=fresh_person(world), kind="press", title=f"Nota {_number()}"
    ),
    "registry.informationsubmission": lambda world: InformationSubmission.objects.create(
        about_name=f"Alguien {_number()}", message="Lo vieron en El Helicoide."
    ),
    "cases.releaseclaim": lambda world: ReleaseClaim.objects.create(
        announced_on=datetime.date(2026, 1, 12), claimant=f"Vocero {_number()}", claimed_count=3
    ),
    "cases.charge": lambda world: Charge.objects.create(name=f"Cargo {_number()}"),
    "facilities.facility": lambda world: factories.facility(),
    "api.partner": lambda world: Partner.objects.create(name=f"Aliada {_number()}"),
    "api.partnerapikey": lambda world: issue_key(f"Aliada {_number()}")[0],
    "stats.externaltotal": lambda world: ExternalTotal.objects.create(
        organisation=f"Foro {_number()}",
        counted_on=datetime.date(2026, 1, 5),
        count=800,
        definition="Presos políticos",
        source_title="Balance",
    ),
    "auth.user": lambda world: _new_user(f"cuenta{_number()}"),
    "auth.group": lambda world: Group.objects.create(name=f"Grupo {_number()}"),
    "account.emailaddress": lambda world: EmailAddress.objects.create(
        user=_new_user(f"correo{_number()}"), email=f"c{_number()}@example.org"
    ),
    "mfa.authenticator": lambda world: make_staff(f"totp{_number()}").authenticator_set.get(),
    "axes.accessattempt": lambda world: _expired_attempt(),
    "axes.accesslog": lambda world: AccessLog.objects.create(
        username="alguien",
        ip_address="127.0.0.1",
        user_agent="x",
        http_accept="*/*",
        path_info="/cuentas/login/",
    ),
    "axes.accessfailurelog": lambda world: AccessFailureLog.objects.create(
        username="alguien",
        ip_address="127.0.0.1",
        user_agent="x",
        http_accept="*/*",
        path_info="/cuentas/login/",
    ),
    "pghistory.events": _audit_event,
    "stats.monthlysnapshot": lambda world: __import__(
        "stats.models"
    ).models.MonthlySnapshot.objects.create(
        month=datetime.date(2025, 1 + _number() % 12, 1), figures={}, frozen_at=timezone.now()
    ),
    "imports.importjob": lambda world: ImportJob.objects.create(
        file=ContentFile(b"x", name="x.csv"), original_name="x.csv", created_by=world["author"]
    ),
}
# allauth's authenticator form requires a time of last use, which a new one does not have.
ADMIN_FORM_FILLED = {
    "mfa.authenticator": {"last_used_at_0": "01/12/2026", "last_used_at_1": "10:00"}
}
# The effect of an allowed action on the object it was run on.
ACTION_DONE = {
    "delete_selected": lambda model, obj: not model.objects.filter(pk=obj.pk).exists(),
    "verify_releases": lambda model, obj: model.objects.get(pk=obj.pk).verified,
    "verify_claims": lambda model, obj: (
        model.objects.get(pk=obj.pk).verification_level == VerificationLevel.VERIFIED
    ),
    "make_verified": lambda model, obj: model.objects.get(pk=obj.pk).verified,
}


def _admin_url(model, page: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def _refused_status(persona: str) -> int:
    return SIGN_IN if persona in ("anonymous", "partner") else 403


@pytest.mark.slow
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_admin_write_answers_each_persona(world, persona):
    client, reader = world["clients"][persona], world["reader"]
    failures = []

    def check(what: str, response, written: dict, allowed: bool, done: bool | None) -> None:
        unexpected = set(written) - BOOKKEEPING_TABLES - {"registry_privatedataaccess"}
        if allowed and response.status_code == 403:
            failures.append(f"{what}: refused, expected allowed")
        elif allowed and done is False:
            failures.append(f"{what}: allowed, but it did nothing ({response.status_code})")
        elif not allowed and response.status_code != _refused_status(persona):
            failures.append(f"{what}: {response.status_code}, expected {_refused_status(persona)}")
        elif not allowed and unexpected:
            failures.append(f"{what}: refused, but it wrote {sorted(unexpected)}")

    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        expected = ADMIN_WRITES[label]
        make = ADMIN_OBJECTS[label]
        # Add: the form comes back with its errors when allowed (nothing was filled in).
        with tables_written() as written:
            response = client.post(_admin_url(model, "add"), {})
        allowed = persona in expected["add"]
        check(f"add {label}", response, written, allowed, None)
        if allowed and (
            response.status_code != 200
            or set(written) - BOOKKEEPING_TABLES - {"registry_privatedataaccess"}
        ):
            failures.append(f"add {label}: an empty form was saved ({response.status_code})")
        # Change: the page's own data, posted back unchanged, as after a click on "save".
        obj = make(world)
        data = form_data(reader.get(_admin_url(model, "change", obj.pk)))
        data |= ADMIN_FORM_FILLED.get(label, {})
        with tables_written() as written:
            response = client.post(_admin_url(model, "change", obj.pk), data)
        allowed = persona in expected["change"]
        saved = (
            LogEntry.objects.filter(
                object_id=str(obj.pk), action_flag=CHANGE, user=getattr(client, "user", None)
            ).exists()
            if allowed
            else None
        )
        check(f"change {label}", response, written, allowed, saved)
        # Delete.
        obj = make(world)
        with tables_written() as written:
            response = client.post(_admin_url(model, "delete", obj.pk), {"post": "yes"})
        allowed = persona in expected["delete"]
        gone = not model.objects.filter(pk=obj.pk).exists() if allowed else None
        check(f"delete {label}", response, written, allowed, gone)
        # Actions, each on a new object.
        for action in _action_names(model_admin):
            obj = make(world)
            data = {"action": action, "_selected_action": [obj.pk], "index": "0", "post": "yes"}
            with tables_written() as written:
                response = client.post(_admin_url(model, "changelist"), data)
            who = ADMIN_ACTIONS[action]
            allowed = persona in (expected["delete"] if who is None else who)
            unexpected = set(written) - BOOKKEEPING_TABLES
            if allowed and not ACTION_DONE[action](model, obj):
                said = [str(message) for message in get_messages(response.wsgi_request)]
                failures.append(f"{action} on {label}: allowed, but it did nothing: {said}")
            elif not allowed and response.status_code >= 500:
                failures.append(f"{action} on {label}: {response.status_code}")
            elif not allowed and unexpected:
                failures.append(f"{action} on {label}: refused, but it wrote {sorted(unexpected)}")
    assert not failures, "\n".join(failures)


def _action_names(model_admin) -> list[str]:
    """Every action a model's admin page may offer (to whoever may run it)."""
    if model_admin.actions is None:
        return []
    names = [name for name, _action in model_admin.admin_site.actions]
    for action in model_admin.actions:
        names.append(action if isinstance(action, str) else action.__name__)
    return names


# Every write path is listed --------------------------------------------------------------------


def _methods(callback) -> set[str] | None:
    """The HTTP methods a view takes; None if it does not say (it takes them all)."""
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a route of a REST framework viewset
        return {method.upper() for method in actions}
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        return {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    function = callback
    while function is not None:  # through the decorators, to require_http_methods's list
        code = getattr(function, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            index = code.co_freevars.index("request_method_list")
            return set(function.__closure__[index].cell_contents)
        function = getattr(function, "__wrapped__", None)
    return None


def _views(patterns, namespace=""):
    """(name, callback) of every URL outside the admin (which is checked model by model)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _views(pattern.url_patterns, inner)
        else:
            yield namespace + (pattern.name or str(pattern.pattern)), pattern.callback


def test_every_write_path_is_listed():
    takes_writes = {
        name
        for name, callback in _views(get_resolver().url_patterns)
        if (methods := _methods(callback)) is None or methods & WRITE_METHODS
    }
    listed = {write.name for write in WRITES}
    assert takes_writes - listed == set(), "Views that take POST, missing from WRITES"
    assert listed - takes_writes == set(), "Rows of WRITES for views that take no POST"

    admin_site_urls = {
        f"admin:{url.name}"
        for url in admin.site.get_urls()
        if isinstance(url, URLPattern) and url.name
    }
    assert admin_site_urls == set(ADMIN_SITE_URLS)

    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_WRITES), "Admin pages missing from (or stale in) ADMIN_WRITES"
    assert registered == set(ADMIN_OBJECTS)
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        pages = {url.name for url in model_admin.get_urls() if url.name}
        generic = {prefix + page for page in ("changelist", "add", "change", "delete", "history")}
        assert pages - generic <= set(ADMIN_EXTRA_PAGES), f"Admin pages of {model} not listed"
        for action in _action_names(model_admin):
            assert action in ADMIN_ACTIONS, f"Admin action {action} of {model} is not listed"


# The workflow's services ------------------------------------------------------------------------

# Each service, who may call it, and its effect. A partner has no account (an API key): as
# anonymous. A superuser without a role may call none.
SERVICES = {
    "person_submit": (
        frozenset({D, V, C}),
        lambda world, by: services.person_submit(person=world["draft"], by=by),
        lambda world: state(world, "draft") == RecordState.SUBMITTED,
    ),
    "person_verify": (
        CHECKERS,
        lambda world, by: services.person_verify(person=world["submitted"], by=by),
        lambda world: state(world, "submitted") == RecordState.VERIFIED,
    ),
    "person_publish": (
        CHECKERS,
        lambda world, by: services.person_publish(person=world["verified"], by=by),
        lambda world: state(world, "verified") == RecordState.PUBLISHED,
    ),
    "person_unpublish": (
        frozenset({C}),
        lambda world, by: services.person_unpublish(person=world["published"], by=by, reason="x"),
        lambda world: state(world, "published") == RecordState.UNPUBLISHED,
    ),
    "person_remove": (
        frozenset({C}),
        lambda world, by: services.person_remove(person=world["draft"], by=by, reason="x"),
        lambda world: state(world, "draft") == RecordState.REMOVED,
    ),
    "person_merge": (
        frozenset({C}),
        lambda world, by: services.person_merge(
            survivor=world["submitted"], duplicate=world["duplicate"], by=by, reason="x"
        ),
        lambda world: not Person.objects.filter(pk=world["duplicate"].pk).exists(),
    ),
    "person_approve_changes": (
        CHECKERS,
        lambda world, by: services.person_approve_changes(
            person=world["changed"], by=by, seen=fingerprint_of(world["changed"])
        ),
        lambda world: versions_of(world["changed"]) == 2,
    ),
    "person_send_back_changes": (
        CHECKERS,
        lambda world, by: services.person_send_back_changes(
            person=world["changed_too"], by=by, reason="Falta la fuente"
        ),
        lambda world: bool(Person.objects.get(pk=world["changed_too"].pk).changes_sent_back),
    ),
    "release_verify": (
        CHECKERS,
        lambda world, by: services.release_verify(release=world["release"], by=by),
        lambda world: Release.objects.get(pk=world["release"].pk).verified,
    ),
    "release_unverify": (
        CHECKERS,
        lambda world, by: services.release_unverify(
            release=world["verified_release"], by=by, reason="x"
        ),
        lambda world: not Release.objects.get(pk=world["verified_release"].pk).verified,
    ),
    "claim_verify": (
        CHECKERS,
        lambda world, by: services.claim_verify(claim=world["claim"], by=by),
        lambda world: (
            ReleaseClaim.objects.get(pk=world["claim"].pk).verification_level
            == VerificationLevel.VERIFIED
        ),
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_workflow_service_answers_each_persona(world, persona):
    by = getattr(world["clients"][persona], "user", None) or AnonymousUser()
    failures = []
    for name, (allowed, call, done) in SERVICES.items():
        if persona in allowed:
            call(world, by)
            if not done(world):
                failures.append(f"{name}: allowed, but it did nothing")
            continue
        with tables_written() as written:
            try:
                call(world, by)
            except PermissionDenied:
                pass
            else:
                failures.append(f"{name}: allowed, expected PermissionDenied")
        if written:
            failures.append(f"{name}: refused, but it wrote {sorted(written)}")
    assert not failures, "\n".join(failures)


def test_every_workflow_service_is_in_the_matrix():
    """Every service that takes `by` (a member of staff acting) is a workflow step: listed."""
    acting = {
        name
        for name, function in vars(services).items()
        if inspect.isfunction(function)
        and function.__module__ == services.__name__
        and "by" in inspect.signature(function).parameters
    }
    assert acting == set(SERVICES)
