"""Every staff URL and admin page × every persona → the expected status (deny by default).

The lists are checked against the URL configuration and the admin registry: a new staff URL
or admin page fails this test until its row is added here.
"""

import datetime

import pytest
from django.contrib import admin
from django.urls import URLResolver, get_resolver, reverse

from cases import services
from cases.models import ReleaseClaim
from imports.models import ImportJob
from lib.roles import DOCUMENTALISTA
from registry.models import ConsentBasis, RecordState
from tests import factories
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "partner", "documentalista", "verificador", "coordinador")
SIGN_IN = 302  # anonymous visitors are sent to sign in

# Admin pages: model label → statuses for (anonymous, documentalista, verificador, coordinador).
CASE_DATA = (SIGN_IN, 200, 200, 200)
COORDINATOR_ONLY = (SIGN_IN, 403, 403, 200)
NOBODY = (SIGN_IN, 403, 403, 403)
ADMIN_CHANGELISTS = {
    "registry.person": CASE_DATA,
    "registry.informationsubmission": CASE_DATA,
    "cases.detention": CASE_DATA,
    "cases.release": CASE_DATA,
    "cases.source": CASE_DATA,
    "cases.charge": CASE_DATA,
    "cases.releaseclaim": CASE_DATA,
    "facilities.facility": CASE_DATA,
    "auth.user": COORDINATOR_ONLY,
    "auth.group": COORDINATOR_ONLY,
    "api.partner": COORDINATOR_ONLY,
    "api.partnerapikey": COORDINATOR_ONLY,
    "stats.externaltotal": COORDINATOR_ONLY,
    "stats.monthlysnapshot": COORDINATOR_ONLY,
    "imports.importjob": CASE_DATA,
}
# Add pages that differ from the list page of the same model.
ADMIN_ADD_PAGES = {
    # Reference data and the public's submissions: documentalistas and verifiers only read.
    "cases.charge": COORDINATOR_ONLY,
    "facilities.facility": COORDINATOR_ONLY,
    "registry.informationsubmission": COORDINATOR_ONLY,
    "cases.releaseclaim": (SIGN_IN, 403, 200, 200),
    # The role groups are kept by lib.roles.ensure_roles, not edited by hand.
    "auth.group": NOBODY,
    # Snapshots are frozen by a command and never edited.
    "stats.monthlysnapshot": NOBODY,
    # Imports are made from the staff pages; the admin only reads them.
    "imports.importjob": NOBODY,
}
# Apps whose admin pages (audit trail, login attempts, sign-in devices) no role uses day to day.
ADMIN_APPS_FOR_SUPERUSERS = {"pghistory", "axes", "mfa", "account"}


def with_partner(statuses: tuple[int, ...]) -> tuple[int, ...]:
    """A partner is API-only: on staff pages an API key counts for nothing (as anonymous)."""
    return (statuses[0], statuses[0], *statuses[1:])


@pytest.fixture
def clients(anonymous, partner, documentalista, verificador, coordinador):
    """The personas of tests/conftest.py, by name."""
    return {
        "anonymous": anonymous,
        "partner": partner,
        "documentalista": documentalista,
        "verificador": verificador,
        "coordinador": coordinador,
    }


@pytest.fixture
def records():
    # Another documentalista wrote them, so that no persona is barred as their author.
    author = make_staff("author", DOCUMENTALISTA)
    make = lambda **kw: factories.person(  # noqa: E731
        consent_basis=ConsentBasis.FAMILY, created_by=author, last_edited_by=author, **kw
    )
    draft = make()
    submitted = make(given_names="Enviada")
    services.person_submit(person=submitted, by=author)
    verified = make(given_names="Verificada", record_state=RecordState.VERIFIED)
    published = factories.published_person(given_names="Publicada")
    with factories.as_user(author):
        release = services.release_record(
            detention=factories.detained(draft),
            released_on=datetime.date(2025, 6, 1),
            kind="unconditional",
        )
        verified_release = services.release_record(
            detention=factories.detained(published),
            released_on=datetime.date(2025, 6, 1),
            kind="unconditional",
        )
    services.release_verify(release=verified_release, by=factories.verifier())
    import_job = ImportJob.objects.create(file="imports/x.csv", created_by=author)
    claim = ReleaseClaim.objects.create(
        announced_on=datetime.date(2026, 1, 10), claimant="Ministro", claimed_count=116
    )
    return {
        "claim": claim,
        "draft": draft,
        "submitted": submitted,
        "verified": verified,
        "published": published,
        "import_job": import_job,
        "release": release,
        "verified_release": verified_release,
    }


def staff_matrix(records) -> dict[str, tuple[str, tuple[int, ...]]]:
    """URL → statuses for (anonymous, documentalista, verificador, coordinador)."""
    transition = lambda person, word: reverse("staff:transition", args=[person.pk, word])  # noqa: E731
    release = lambda fact, word: reverse("staff:release-transition", args=[fact.pk, word])  # noqa: E731
    return {
        reverse("staff:queue"): ("staff:queue", (SIGN_IN, 403, 200, 200)),
        reverse("staff:queue") + "?estado=borrador": ("staff:queue", (SIGN_IN, 200, 200, 200)),
        reverse("staff:history", args=[records["draft"].pk]): (
            "staff:history",
            (SIGN_IN, 200, 200, 200),
        ),
        transition(records["draft"], "enviar"): ("staff:transition", (SIGN_IN, 200, 200, 200)),
        transition(records["submitted"], "verificar"): (
            "staff:transition",
            (SIGN_IN, 403, 200, 200),
        ),
        transition(records["verified"], "publicar"): ("staff:transition", (SIGN_IN, 403, 200, 200)),
        transition(records["published"], "despublicar"): (
            "staff:transition",
            (SIGN_IN, 403, 403, 200),
        ),
        transition(records["published"], "retirar"): ("staff:transition", (SIGN_IN, 403, 403, 200)),
        transition(records["draft"], "inventada"): ("staff:transition", (SIGN_IN, 403, 403, 403)),
        reverse("staff:pending"): ("staff:pending", (SIGN_IN, 403, 200, 200)),
        reverse("staff:changes", args=[records["published"].pk]): (
            "staff:changes",
            (SIGN_IN, 403, 200, 200),
        ),
        release(records["release"], "verificar"): (
            "staff:release-transition",
            (SIGN_IN, 403, 200, 200),
        ),
        release(records["verified_release"], "anular-verificacion"): (
            "staff:release-transition",
            (SIGN_IN, 403, 200, 200),
        ),
        release(records["release"], "inventada"): (
            "staff:release-transition",
            (SIGN_IN, 403, 403, 403),
        ),
        reverse("staff:merge", args=[records["draft"].pk]): (
            "staff:merge",
            (SIGN_IN, 403, 403, 200),
        ),
        reverse("admin:index"): ("admin:index", (SIGN_IN, 200, 200, 200)),
        # Bulk import: every role may import; confirming is POST only.
        reverse("imports:upload"): ("imports:upload", (SIGN_IN, 200, 200, 200)),
        reverse("imports:template"): ("imports:template", (SIGN_IN, 200, 200, 200)),
        reverse("imports:detail", args=[records["import_job"].pk]): (
            "imports:detail",
            (SIGN_IN, 200, 200, 200),
        ),
        reverse("imports:confirm", args=[records["import_job"].pk]): (
            "imports:confirm",
            (SIGN_IN, 405, 405, 405),
        ),
        # Lists of released people become release claims: verifiers and coordinators only.
        reverse("imports:release-list-upload"): (
            "imports:release-list-upload",
            (SIGN_IN, 403, 200, 200),
        ),
        reverse("imports:release-list-template"): (
            "imports:release-list-template",
            (SIGN_IN, 200, 200, 200),
        ),
        reverse("imports:claim-reconciliation", args=[records["claim"].pk]): (
            "imports:claim-reconciliation",
            (SIGN_IN, 200, 200, 200),
        ),
    }


def test_staff_pages_answer_each_persona_as_expected(clients, records):
    failures = []
    for url, (_name, expected) in staff_matrix(records).items():
        for persona, status in zip(PERSONAS, with_partner(expected), strict=True):
            got = clients[persona].get(url).status_code
            if got != status:
                failures.append(f"{persona} GET {url}: {got}, expected {status}")
    assert not failures, "\n".join(failures)


def test_admin_pages_answer_each_persona_as_expected(clients):
    failures = []
    for label, expected in ADMIN_CHANGELISTS.items():
        app_label, model_name = label.split(".")
        for page in ("changelist", "add"):
            url = reverse(f"admin:{app_label}_{model_name}_{page}")
            statuses = ADMIN_ADD_PAGES.get(label, expected) if page == "add" else expected
            for persona, status in zip(PERSONAS, with_partner(statuses), strict=True):
                got = clients[persona].get(url).status_code
                if got != status:
                    failures.append(f"{persona} GET {url}: {got}, expected {status}")
    assert not failures, "\n".join(failures)


def test_every_staff_url_and_admin_page_is_in_the_matrix(records):
    def names(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                if pattern.namespace in (None, "staff") or namespace:
                    yield from names(pattern.url_patterns, inner)
            elif pattern.name and namespace.startswith("staff"):
                yield namespace + pattern.name

    staff_names = set(names(get_resolver().url_patterns))
    covered = {name for name, _statuses in staff_matrix(records).values()}
    assert staff_names <= covered, staff_names - covered

    registered = {
        f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
    }
    unlisted = {
        label
        for label in registered - set(ADMIN_CHANGELISTS)
        if label.split(".")[0] not in ADMIN_APPS_FOR_SUPERUSERS
    }
    assert not unlisted, f"Admin pages missing from the permission matrix: {unlisted}"
