"""Nothing reaches the public without a second person (issue #12): the public reads the last
approved version of each person (cases/projection.py, docs/publication.md)."""

import csv
import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from cases import projection, services
from cases.models import PublicVersion, Source, Tombstone
from lib.approved import reading_approved
from lib.audit import audit_reason
from lib.vocabulary import PersonStatus
from registry.models import Person
from stats import services as stats_services
from stats.models import DailyFigure
from tests import factories

D = datetime.date

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_case(documentalista, verificador):
    """A published person held at one facility: version 1, entered by the documentalista and
    approved by the verificador."""
    first = factories.facility(name="Centro Uno", slug="centro-uno")
    person = factories.published_person(
        given_names="Carmelina",
        first_surname="Ustáriz",
        created_by=documentalista.user,
        last_edited_by=documentalista.user,
    )
    factories.detained(person, on=D(2025, 3, 1), place=first)
    services.approve_version(person=person, approved_by=verificador.user)
    person.refresh_from_db()
    return person


def _edit_as(user, person: Person, *, facility) -> None:
    """What an edit by `user` does, as the audit trail records it (a request's user): a
    transfer and a new public source."""
    detention = person.detentions.get()
    with audit_reason("Traslado informado por la familia", user=user.pk):
        services.custody_transfer(detention=detention, facility=facility, on=D(2025, 6, 1))
        Source.objects.create(
            person=person,
            kind="press",
            title="Traslado confirmado por la familia",
            is_confidential=False,
        )
    person.refresh_from_db()


def _surfaces(client, api, person: Person, facility_slug: str) -> dict:
    """What each public surface says about the person's place of custody."""
    profile = client.get(person.get_absolute_url()).content.decode()
    search = client.get(reverse("public:search"), {"q": "carmelina ustariz"}).content.decode()
    listing = client.get(
        reverse("public:person-list"), {"facility": facility_slug}
    ).content.decode()
    facility = client.get(reverse("public:facility-detail", args=[facility_slug])).content.decode()
    detail = api.get(reverse("api:person-detail", args=[person.public_id])).json()
    export = api.get(reverse("api:export-persons-csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    stats_services.daily_figures_refresh(today=D(2025, 7, 1))
    return {
        "profile_new_place": "Centro Dos" in profile,
        "profile_new_source": "Traslado confirmado" in profile,
        "search_new_place": "Centro Dos" in search,
        "list_new_place": "Ustáriz" in listing,
        "facility_two_holds": "Ustáriz" in facility,
        "api_new_place": (detail["current_facility"] or {}).get("slug") == "centro-dos",
        "api_version": detail["version"],
        "export_new_place": any("centro-dos" in json.dumps(row) for row in rows),
        "in_custody_on_day": DailyFigure.objects.get(day=D(2025, 7, 1)).in_custody,
    }


def test_an_edit_changes_nothing_public_until_a_second_person_approves_it_then_everything(
    published_case, documentalista, verificador, anonymous, api_anonymous
):
    second = factories.facility(name="Centro Dos", slug="centro-dos")
    _edit_as(documentalista.user, published_case, facility=second)
    assert published_case.changes_pending

    before = _surfaces(anonymous, api_anonymous, published_case, "centro-dos")
    assert before == {
        "profile_new_place": False,
        "profile_new_source": False,
        "search_new_place": False,
        "list_new_place": False,
        "facility_two_holds": False,
        "api_new_place": False,
        "api_version": 1,
        "export_new_place": False,
        "in_custody_on_day": 1,
    }

    # The author may not approve their own change; a documentalista never approves.
    seen = projection.fingerprint(projection.document(published_case))
    with pytest.raises(PermissionDenied):
        services.person_approve_changes(person=published_case, by=documentalista.user, seen=seen)

    services.person_approve_changes(person=published_case, by=verificador.user, seen=seen)
    after = _surfaces(anonymous, api_anonymous, published_case, "centro-dos")
    assert after == {
        "profile_new_place": True,
        "profile_new_source": True,
        "search_new_place": True,
        "list_new_place": True,
        "facility_two_holds": True,
        "api_new_place": True,
        "api_version": 2,
        "export_new_place": True,
        "in_custody_on_day": 1,
    }
    published_case.refresh_from_db()
    assert not published_case.changes_pending


def test_the_editor_cannot_approve_their_own_change(published_case, verificador, otro_verificador):
    second = factories.facility(name="Centro Dos", slug="centro-dos")
    _edit_as(verificador.user, published_case, facility=second)
    seen = projection.fingerprint(projection.document(published_case))
    with pytest.raises(PermissionDenied):
        services.person_approve_changes(person=published_case, by=verificador.user, seen=seen)
    version = services.person_approve_changes(
        person=published_case, by=otro_verificador.user, seen=seen
    )
    assert version.number == 2


def test_approving_a_stale_review_is_refused_and_nothing_is_half_applied(
    published_case, documentalista, verificador, anonymous
):
    second = factories.facility(name="Centro Dos", slug="centro-dos")
    _edit_as(documentalista.user, published_case, facility=second)
    seen = projection.fingerprint(projection.document(published_case))
    # Meanwhile, someone adds another source.
    Source.objects.create(
        person=published_case, kind="press", title="Otra nota de prensa", is_confidential=False
    )
    with pytest.raises(ValidationError) as refused:
        services.person_approve_changes(person=published_case, by=verificador.user, seen=seen)
    assert refused.value.error_list[0].code == "stale"
    assert PublicVersion.objects.filter(person=published_case).count() == 1
    assert "Centro Dos" not in anonymous.get(published_case.get_absolute_url()).content.decode()


def test_the_review_page_shows_the_changes_in_words_and_approves(
    published_case, documentalista, verificador, anonymous
):
    second = factories.facility(name="Centro Dos", slug="centro-dos")
    _edit_as(documentalista.user, published_case, facility=second)
    url = reverse("staff:changes", args=[published_case.pk])

    own = documentalista.get(url)
    assert own.status_code == 403  # documentalistas do not review

    page = verificador.get(url).content.decode()
    assert "Lugar de reclusión: de Centro Uno a Centro Dos" not in page  # not a raw diff
    assert "Centro Uno" in page and "Centro Dos" in page
    assert "Nueva fuente" in page
    assert "custodystay" not in page and "facility_id" not in page  # labels, not codes
    seen = projection.fingerprint(projection.document(published_case))
    response = verificador.post(url, {"seen": seen})
    assert response.status_code == 302
    assert "Centro Dos" in anonymous.get(published_case.get_absolute_url()).content.decode()

    history = anonymous.get(
        reverse("public:person-versions", args=[published_case.public_id, published_case.slug])
    ).content.decode()
    assert "Versión 2" in history and "Versión 1" in history
    assert "Nueva fuente" in history
    assert "verificador" not in history  # never who on the staff did it


def test_a_stale_review_posted_through_the_page_names_the_problem(
    published_case, documentalista, verificador
):
    second = factories.facility(name="Centro Dos", slug="centro-dos")
    _edit_as(documentalista.user, published_case, facility=second)
    url = reverse("staff:changes", args=[published_case.pk])
    response = verificador.post(url, {"seen": "an-old-fingerprint"})
    assert response.status_code == 200
    assert "Nada fue aprobado" in response.content.decode()
    assert PublicVersion.objects.filter(person=published_case).count() == 1


def test_a_status_change_is_in_the_public_history_in_words(published_case, verificador, anonymous):
    detention = published_case.detentions.get()
    release = services.release_record(
        detention=detention, released_on=D(2025, 8, 1), kind="unconditional"
    )
    services.release_verify(release=release, by=verificador.user)
    published_case.refresh_from_db()
    assert published_case.changes_pending
    services.approve_version(person=published_case, approved_by=verificador.user)
    history = anonymous.get(
        reverse("public:person-versions", args=[published_case.public_id, published_case.slug])
    ).content.decode()
    assert "El estado cambió de «Detenido/a» a «Liberado/a»." in history
    assert "Detención · Motivo de finalización: — → Liberado (verificado)" in history
    profile = anonymous.get(published_case.get_absolute_url()).content.decode()
    assert "versión 2" in profile.lower()


def test_takedown_removes_the_projection_at_once_and_leaves_a_tombstone(
    published_case, coordinador, anonymous, api_anonymous
):
    services.person_remove(
        person=published_case, by=coordinador.user, reason="Pedido de la familia"
    )
    with connection.cursor() as cursor:
        for table in projection.PROJECTED_TABLES:
            column = {"registry_person": "id", "cases_event": "person_id"}.get(table)
            if column:
                cursor.execute(
                    f"SELECT count(*) FROM approved.{table} WHERE {column} = %s",  # noqa: S608
                    [published_case.pk],
                )
                assert cursor.fetchone()[0] == 0
    assert Tombstone.objects.filter(public_id=published_case.public_id).exists()
    assert anonymous.get(published_case.get_absolute_url()).status_code == 410
    versions = reverse(
        "public:person-versions", args=[published_case.public_id, published_case.slug]
    )
    assert anonymous.get(versions).status_code == 410
    detail = api_anonymous.get(reverse("api:person-detail", args=[published_case.public_id]))
    assert detail.status_code in (404, 410)


def test_the_projection_never_holds_a_private_value(documentalista, verificador):
    canary = "CANARIO-PRIVADO-7731"
    person = factories.published_person(
        given_names="Ofelia",
        first_surname="Canaria",
        private_notes=canary,
        family_contacts=canary,
        national_id="V-20123987",
        birth_date=D(1980, 1, 2),
        aliases=[canary],
    )
    detention = factories.detained(person)
    detention.private_notes = canary
    detention.save()
    Source.objects.create(
        person=person, kind="family_testimony", title=canary, is_confidential=True
    )
    Source.objects.create(
        person=person, kind="press", title="Nota pública", confidential_details=canary
    )
    from cases.models import Event

    Event.objects.create(
        person=person, occurred_on=D(2025, 2, 1), kind="hearing", private_description=canary
    )
    Event.objects.create(
        person=person,
        occurred_on=D(2025, 2, 2),
        kind="hearing",
        is_public=False,
        public_description=canary,
    )
    version = services.approve_version(person=person, approved_by=verificador.user)
    assert canary not in json.dumps(version.document)
    assert "20123987" not in json.dumps(version.document)
    with connection.cursor() as cursor:
        for table in projection.PROJECTED_TABLES:
            cursor.execute(f"SELECT row_to_json(t)::text FROM approved.{table} t")  # noqa: S608
            for (row,) in cursor.fetchall():
                assert canary not in row, table
    with reading_approved():
        approved = Person.objects.get(pk=person.pk)
        assert approved.birth_date is None and approved.aliases == []
        assert approved.private_notes is None and approved.national_id is None


def test_the_calendar_moves_approved_statuses_too(verificador):
    person = factories.published_person(given_names="Teodora", first_surname="Calendario")
    detention = factories.detained(person, on=D(2025, 1, 10))
    release = services.release_record(
        detention=detention,
        released_on=D(2025, 3, 1),
        kind="precautionary_measures",
        conditions=(
            services.ConditionSpec(
                kind="periodic_presentation",
                starts_on=D(2025, 3, 1),
                ends_on=D(2025, 4, 1),
                interval_days=30,
            ),
        ),
    )
    services.release_verify(release=release, by=verificador.user)
    services.person_refresh_status(person=person, today=D(2025, 3, 15))
    services.approve_version(person=person, approved_by=verificador.user)
    services.refresh_statuses_with_lapsed_conditions(today=D(2025, 3, 15))
    with reading_approved():
        assert Person.objects.get(pk=person.pk).current_status == PersonStatus.RELEASED_CONDITIONAL
    services.refresh_statuses_with_lapsed_conditions(today=D(2025, 4, 2))
    with reading_approved():
        approved = Person.objects.get(pk=person.pk)
    assert approved.current_status == PersonStatus.RELEASED
    assert approved.version == 1  # the calendar makes no new version


def test_a_changed_table_shape_is_rebuilt_from_the_versions(published_case):
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE approved.cases_custodystay")
        cursor.execute("ALTER TABLE approved.registry_person ADD COLUMN stray integer")
    projection.keep_in_step()
    with reading_approved():
        approved = Person.objects.get(pk=published_case.pk)
        assert approved.current_facility.name == "Centro Uno"
    assert projection.in_step()


def test_the_profile_reads_a_constant_number_of_queries(
    published_case, anonymous, django_assert_max_num_queries
):
    for day in range(1, 20):
        from cases.models import Event

        Event.objects.create(person=published_case, occurred_on=D(2025, 4, day), kind="hearing")
    factories.approved(published_case)
    with django_assert_max_num_queries(12) as captured:
        response = anonymous.get(published_case.get_absolute_url())
    assert response.status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements[0].startswith("SET search_path") and statements[-1] == "RESET search_path"


def test_sources_of_no_person_are_public_as_they_are_and_never_their_private_column():
    shown = Source.objects.create(
        kind="official_statement",
        title="Comunicado oficial",
        is_confidential=False,
        confidential_details="CANARIO-FUENTE-SIN-PERSONA",
    )
    hidden = Source.objects.create(kind="press", title="Fuente reservada", is_confidential=True)
    with reading_approved():
        approved = Source.objects.filter(pk__in=[shown.pk, hidden.pk])
        assert [source.title for source in approved] == ["Comunicado oficial"]
        assert approved.get().confidential_details is None
