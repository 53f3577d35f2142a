"""The record workflow: roles, two-person rule, consent, minors, takedown, merge (issue #4)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases import services
from cases import services as case_services
from cases.models import Event, Source
from lib.vocabulary import VerificationLevel
from registry.models import ConsentBasis, Person, PersonRedirect, RecordState
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def draft(documentalista):
    person = factories.person(
        given_names="Ana",
        first_surname="Pinto",
        consent_basis=ConsentBasis.FAMILY,
        created_by=documentalista.user,
        last_edited_by=documentalista.user,
    )
    factories.detained(person)
    return person


def test_the_full_path_from_draft_to_published(draft, documentalista, verificador):
    services.person_submit(person=draft, by=documentalista.user)
    verified = services.person_verify(person=draft, by=verificador.user)
    assert verified.verification_level == VerificationLevel.VERIFIED
    assert verified.last_verified_at is not None
    published = services.person_publish(person=draft, by=verificador.user)
    assert published.record_state == RecordState.PUBLISHED


def test_no_one_approves_changes_they_made_since_the_last_verification(
    verificador, otro_verificador, coordinador
):
    mine = factories.person(consent_basis=ConsentBasis.FAMILY, created_by=verificador.user)
    services.person_submit(person=mine, by=verificador.user)
    with pytest.raises(PermissionDenied, match="otra persona debe verificarlo"):
        services.person_verify(person=mine, by=verificador.user)  # wrote it
    services.person_verify(person=mine, by=otro_verificador.user)
    # Editing it afterwards makes the other verifier the author of the change under review.
    mine.refresh_from_db()
    with factories.as_user(otro_verificador.user):
        mine.public_summary = "Detenida en una protesta."
        mine.save()
    with pytest.raises(PermissionDenied, match="otra persona debe publicarlo"):
        services.person_publish(person=mine, by=otro_verificador.user)
    # Only that change is under review: the author of the verified data may publish it now.
    services.person_publish(person=mine, by=verificador.user)
    assert Person.objects.get(pk=mine.pk).record_state == RecordState.PUBLISHED


def test_bookkeeping_is_no_edit(verificador, otro_verificador):
    """Saving a form unchanged moves only the record's bookkeeping (last editor, version):
    that bars nobody, or a two-person team could deadlock on a stray click."""
    person = factories.person(consent_basis=ConsentBasis.FAMILY, created_by=verificador.user)
    services.person_submit(person=person, by=verificador.user)
    person.refresh_from_db()
    with factories.as_user(otro_verificador.user):
        person.last_edited_by = otro_verificador.user
        person.save()
    services.person_verify(person=person, by=otro_verificador.user)


def test_documentalistas_cannot_verify_publish_or_take_down(draft, documentalista):
    services.person_submit(person=draft, by=documentalista.user)
    for transition in (services.person_verify, services.person_publish):
        with pytest.raises(PermissionDenied):
            transition(person=draft, by=documentalista.user)
    with pytest.raises(PermissionDenied):
        services.person_remove(person=draft, by=documentalista.user, reason="x")


def test_publication_needs_recorded_consent(verificador, otro_verificador):
    person = factories.person(created_by=otro_verificador.user)
    services.person_submit(person=person, by=otro_verificador.user)
    services.person_verify(person=person, by=verificador.user)
    with pytest.raises(ValidationError):
        services.person_publish(person=person, by=verificador.user)
    assert Person.objects.get(pk=person.pk).record_state == RecordState.VERIFIED


def test_a_minor_is_never_published(verificador, otro_verificador):
    child = factories.person(birth_date=D(2010, 1, 1), consent_basis=ConsentBasis.FAMILY)
    factories.detained(child, on=D(2025, 1, 1))
    services.person_submit(person=child, by=otro_verificador.user)
    services.person_verify(person=child, by=verificador.user)
    with pytest.raises(ValidationError):
        services.person_publish(person=child, by=verificador.user)


def test_takedown_needs_a_reason_and_the_record_disappears_everywhere(client, coordinador):
    person = factories.published_person(given_names="Retirable", first_surname="Tomasa")
    factories.detained(person)
    factories.approved(person)
    assert "Tomasa" in client.get(reverse("public:person-list")).content.decode()
    assert client.get(person.get_absolute_url()).status_code == 200
    with pytest.raises(ValidationError):
        services.person_remove(person=person, by=coordinador.user, reason="  ")
    services.person_remove(person=person, by=coordinador.user, reason="Pedido de la familia")
    assert client.get(person.get_absolute_url()).status_code == 410
    found = client.post(reverse("public:search"), {"q": "retirable tomasa"}).content.decode()
    assert "Tomasa" not in found
    assert "Tomasa" not in client.get(reverse("public:person-list")).content.decode()
    history = person.audit_rows.order_by("-pgh_id").first()
    assert history.pgh_context.metadata["reason"] == "Pedido de la familia"
    assert history.pgh_context.metadata["transition"] == "remove"


def test_merge_moves_everything_and_the_old_address_redirects(client, coordinador):
    survivor = factories.published_person(given_names="Luis", first_surname="Mora")
    duplicate = factories.published_person(given_names="Luis A.", first_surname="Mora")
    old_url = duplicate.get_absolute_url()
    detention = factories.detained(duplicate)
    case_services.release_verify(
        release=case_services.release_record(
            detention=detention, released_on=D(2025, 5, 1), kind="unconditional"
        ),
        by=factories.verifier(),
    )
    Event.objects.create(person=duplicate, occurred_on=D(2025, 1, 1), kind="hearing")
    Source.objects.create(person=duplicate, kind="press", title="Nota")
    # Both records were public before the merge.
    factories.approved(survivor)
    factories.approved(duplicate)
    assert client.get(old_url).status_code == 200
    services.person_merge(
        survivor=survivor, duplicate=duplicate, by=coordinador.user, reason="Mismo"
    )
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    assert survivor.detentions.count() == 1 and survivor.events.count() == 1
    assert survivor.sources.count() == 1
    survivor.refresh_from_db()
    assert survivor.current_status == "released"
    assert PersonRedirect.objects.get(old_public_id=duplicate.public_id).person == survivor
    response = client.get(old_url)
    assert response.status_code == 301 and response["Location"] == survivor.get_absolute_url()


def test_only_coordinators_merge_and_never_two_open_detentions(verificador, coordinador):
    one, two = factories.person(), factories.person(given_names="Otra")
    factories.detained(one)
    factories.detained(two)
    with pytest.raises(PermissionDenied):
        services.person_merge(survivor=one, duplicate=two, by=verificador.user, reason="x")
    with pytest.raises(ValidationError):
        services.person_merge(survivor=one, duplicate=two, by=coordinador.user, reason="x")
    assert Person.objects.filter(pk=two.pk).exists()


def test_staff_pages_run_the_workflow(draft, documentalista, verificador, coordinador):
    url = reverse("staff:transition", args=[draft.pk, "enviar"])
    assert documentalista.post(url, {"reason": ""}).status_code == 302
    queue = verificador.get(reverse("staff:queue")).content.decode()
    assert "Ana Pinto" in queue
    assert (
        verificador.post(reverse("staff:transition", args=[draft.pk, "verificar"])).status_code
        == 302
    )
    assert (
        verificador.post(reverse("staff:transition", args=[draft.pk, "publicar"])).status_code
        == 302
    )
    draft.refresh_from_db()
    assert draft.record_state == RecordState.PUBLISHED
    # Unpublishing without a reason shows the form again with an error; nothing changes.
    response = coordinador.post(
        reverse("staff:transition", args=[draft.pk, "despublicar"]), {"reason": ""}
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.record_state == RecordState.PUBLISHED
    history = coordinador.get(reverse("staff:history", args=[draft.pk])).content.decode()
    assert "verificador" in history and "documentalista" in history
