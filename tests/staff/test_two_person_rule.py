"""The two-person rule (issue #12, items 3 to 5): nobody approves changes they made, whatever
their flags; verifying a fact is not a change, so no team deadlocks; a release is verified only
through its service, by someone who neither recorded nor changed it."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases import services
from cases.history import editors_under_review
from cases.models import Release, ReleaseClaim
from imports.models import ImportState
from lib.roles import COORDINADOR
from lib.vocabulary import PersonStatus, VerificationLevel
from registry.models import ConsentBasis, Person, RecordState
from tests import factories
from tests.admin_forms import form_data
from tests.imports.conftest import committed, csv_bytes, row, validated

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def edit_in_the_admin(client, person: Person, **changes) -> None:
    """What a member of staff does on the person's admin page: change fields, save."""
    url = reverse("admin:registry_person_change", args=[person.pk])
    data = form_data(client.get(url)) | changes
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def post(client, name: str, *args, **data):
    return client.post(reverse(name, args=args), data)


def test_the_deadlock_of_issue_12_publishes(coordinador, verificador, client):
    """A coordinador imports and submits a case; the verificadora verifies its release and
    then the record, and publishes it. Before, verifying the release made her its last editor,
    and both were refused."""
    factories.facility(name="Rodeo I")
    data = csv_bytes(
        [row(given_names="Eligio", first_surname="Carrasco", released_on="2026-01-08")]
    )
    job = committed(validated(data, user=coordinador.user), coordinador.user)
    assert job.state == ImportState.COMMITTED, job.errors
    person = Person.objects.get(first_surname="Carrasco")
    assert editors_under_review(person) == {coordinador.user.pk}  # the import was his
    edit_in_the_admin(coordinador, person, consent_basis=ConsentBasis.FAMILY)
    assert post(coordinador, "staff:transition", person.pk, "enviar").status_code == 302

    refused = post(coordinador, "staff:transition", person.pk, "verificar")
    assert refused.status_code == 403
    assert "Usted modificó este registro después de la última verificación" in refused.text
    assert "pídasela a un coordinador" not in refused.text  # he is the one refused

    page = verificador.get(reverse("staff:history", args=[person.pk])).text
    assert "Quién puede darla: verificador." in page
    assert "Verificar la excarcelación" in page
    release = Release.objects.get(detention__person=person)
    assert post(verificador, "staff:release-transition", release.pk, "verificar").status_code == 302
    release.refresh_from_db()
    assert release.verified and release.verified_by == verificador.user
    assert editors_under_review(person) == {coordinador.user.pk}  # a verification: no edit

    assert post(verificador, "staff:transition", person.pk, "verificar").status_code == 302
    assert post(verificador, "staff:transition", person.pk, "publicar").status_code == 302
    person.refresh_from_db()
    assert person.record_state == RecordState.PUBLISHED
    assert person.current_status == PersonStatus.RELEASED
    assert "Liberado/a" in client.get(person.get_absolute_url()).text


def test_a_two_person_team_always_publishes(documentalista, verificador):
    """One documentalista who entered everything, one verificadora who edited nothing: every
    change the documentalista makes can be verified and published."""
    with factories.as_user(documentalista.user):
        person = factories.person(
            given_names="Rocío", first_surname="San Miguel", consent_basis=ConsentBasis.FAMILY
        )
        release = services.release_record(
            detention=factories.detained(person, on=D(2025, 1, 10)),
            released_on=D(2025, 6, 1),
            kind="precautionary_measures",
        )
    with pytest.raises(PermissionDenied, match="verificador o de coordinador"):
        services.release_verify(release=release, by=documentalista.user)
    services.person_submit(person=person, by=documentalista.user)
    services.release_verify(release=release, by=verificador.user)
    services.person_verify(person=person, by=verificador.user)
    # The documentalista corrects the verified record: it goes back, and through again.
    person.refresh_from_db()
    with factories.as_user(documentalista.user):
        person.public_summary = "Abogada y activista."
        person.save()
    assert editors_under_review(person) == {documentalista.user.pk}
    with pytest.raises(PermissionDenied):
        services.person_publish(person=person, by=documentalista.user)
    services.person_submit(person=person, by=documentalista.user)
    services.person_verify(person=person, by=verificador.user)
    assert editors_under_review(person) == set()
    services.person_publish(person=person, by=verificador.user)
    assert Person.objects.get(pk=person.pk).record_state == RecordState.PUBLISHED


def test_the_record_page_says_who_may_approve_and_why_not(documentalista, verificador):
    """A verificadora who edited a record of a two-person team cannot verify it, and nobody
    else can: the page says so, rather than sending anyone to a coordinador."""
    with factories.as_user(documentalista.user):
        person = factories.person(given_names="Javier", first_surname="Tarazona")
    services.person_submit(person=person, by=documentalista.user)
    url = reverse("staff:history", args=[person.pk])
    assert "Quién puede darla: verificador." in verificador.get(url).text
    page = documentalista.get(url).text
    assert "Solo quien tenga el rol de verificador o de coordinador puede verificar" in page

    person.refresh_from_db()
    with factories.as_user(verificador.user):
        person.public_summary = "Periodista."
        person.save()
    page = verificador.get(url).text
    assert "Usted modificó este registro después de la última verificación" in page
    assert "Nadie del personal puede darla ahora" in page
    assert reverse("staff:transition", args=[person.pk, "verificar"]) not in page


def test_a_superuser_is_subject_to_the_two_person_rule(superuser, verificador):
    deployer = superuser.user
    with factories.as_user(verificador.user):
        person = factories.person(given_names="Perkins", first_surname="Rocha")
    services.person_submit(person=person, by=verificador.user)
    # Without a role, no workflow rights at all, though every Django permission says yes.
    assert deployer.has_perm("registry.change_person")
    with pytest.raises(PermissionDenied, match="verificador o de coordinador"):
        services.person_verify(person=person, by=deployer)
    assert post(superuser, "staff:transition", person.pk, "verificar").status_code == 403
    # With a role, the rule as for anyone: their own change is not theirs to verify.
    deployer.groups.add(Group.objects.get(name=COORDINADOR))
    del deployer._group_names_cache  # django-rules caches a user's groups on the object
    edit_in_the_admin(superuser, person, public_summary_es="Abogado, defensor.")
    with pytest.raises(PermissionDenied, match="otra persona debe verificarlo"):
        services.person_verify(person=person, by=deployer)
    services.person_verify(person=person, by=factories.verifier())


def test_a_documentalista_cannot_verify_a_release_by_any_path(documentalista, api_anonymous):
    person = factories.person(given_names="Nicmer", first_surname="Evans")
    release = services.release_record(
        detention=factories.detained(person), released_on=D(2025, 6, 1), kind="unconditional"
    )

    def still_a_claim() -> bool:
        fresh = Release.objects.get(pk=release.pk)
        return not fresh.verified and fresh.verified_at is None and fresh.verified_by is None

    # The release's admin page: the box is read-only, a posted "on" is ignored.
    url = reverse("admin:cases_release_change", args=[release.pk])
    data = form_data(documentalista.get(url)) | {"verified": "on", "public_note": "Nota."}
    assert documentalista.post(url, data).status_code == 302
    assert Release.objects.get(pk=release.pk).public_note == "Nota."  # the save happened
    assert still_a_claim()
    # The detention's page, with the release inline.
    url = reverse("admin:cases_detention_change", args=[release.detention.pk])
    data = form_data(documentalista.get(url)) | {"release-0-verified": "on"}
    assert documentalista.post(url, data).status_code == 302
    assert still_a_claim()
    # The admin's action, the staff page, the service.
    documentalista.post(
        reverse("admin:cases_release_changelist"),
        {"action": "verify_releases", "_selected_action": [release.pk], "index": "0"},
    )
    assert still_a_claim()
    response = post(documentalista, "staff:release-transition", release.pk, "verificar")
    assert response.status_code == 403
    assert "Solo quien tenga el rol de verificador o de coordinador" in response.text
    with pytest.raises(PermissionDenied):
        services.release_verify(release=release, by=documentalista.user)
    # The API takes no writes at all.
    api_url = reverse("api:person-detail", args=[person.public_id])
    for method in ("post", "put", "patch", "delete"):
        status = getattr(api_anonymous, method)(api_url, {"verified": True}).status_code
        assert status in (401, 403, 404, 405)
    assert still_a_claim()
    assert Person.objects.get(pk=person.pk).current_status == PersonStatus.DETAINED


def test_the_author_of_a_release_never_verifies_it(verificador, otro_verificador):
    person = factories.person()
    detention = factories.detained(person)
    with factories.as_user(verificador.user):
        release = services.release_record(
            detention=detention, released_on=D(2025, 6, 1), kind="unconditional"
        )
    with pytest.raises(PermissionDenied, match="Usted registró o modificó esta excarcelación"):
        services.release_verify(release=release, by=verificador.user)
    # Changing one of its conditions makes one an author too.
    with factories.as_user(otro_verificador.user):
        release.public_note = "Con boleta de excarcelación."
        release.save()
    with pytest.raises(PermissionDenied):
        services.release_verify(release=release, by=otro_verificador.user)
    verified = services.release_verify(release=release, by=factories.verifier())
    assert verified.verified_by == factories.verifier()
    row = release.audit_rows.order_by("-pgh_id").first()
    assert row.pgh_context.metadata["transition"] == "verify_release"
    with pytest.raises(PermissionDenied, match="ya está verificada"):
        services.release_verify(release=release, by=factories.verifier())


def test_withdrawing_a_verification_needs_a_reason_and_reopens_the_detention(verificador):
    person = factories.person()
    detention = factories.detained(person)
    release = services.release_record(
        detention=detention, released_on=D(2025, 6, 1), kind="unconditional"
    )
    services.release_verify(release=release, by=factories.verifier())
    assert Person.objects.get(pk=person.pk).current_status == PersonStatus.RELEASED
    with pytest.raises(ValidationError):
        services.release_unverify(release=release, by=verificador.user, reason=" ")
    response = post(
        verificador, "staff:release-transition", release.pk, "anular-verificacion", reason=""
    )
    assert response.status_code == 200 and "Indique el motivo" in response.text
    assert Release.objects.get(pk=release.pk).verified
    services.release_unverify(release=release, by=verificador.user, reason="La familia lo niega")
    release.refresh_from_db()
    assert (release.verified, release.verified_by, release.verified_at) == (False, None, None)
    assert Person.objects.get(pk=person.pk).current_status == PersonStatus.DETAINED
    detention.refresh_from_db()
    assert detention.is_open
    context = release.audit_rows.order_by("-pgh_id").first().pgh_context.metadata
    assert (context["transition"], context["reason"]) == ("unverify_release", "La familia lo niega")


def test_a_claim_is_verified_by_a_second_person_only(verificador, otro_verificador):
    with factories.as_user(verificador.user):
        claim = ReleaseClaim.objects.create(
            announced_on=D(2026, 1, 10), claimant="Ministro", claimed_count=116
        )
    url = reverse("admin:cases_releaseclaim_change", args=[claim.pk])
    data = form_data(verificador.get(url)) | {"verification_level": VerificationLevel.VERIFIED}
    response = verificador.post(url, data)
    assert response.status_code == 200  # the form refuses it
    assert "Verificar los anuncios seleccionados" in response.text
    with pytest.raises(PermissionDenied, match="otra persona debe verificarlo"):
        services.claim_verify(claim=claim, by=verificador.user)
    otro_verificador.post(
        reverse("admin:cases_releaseclaim_changelist"),
        {"action": "verify_claims", "_selected_action": [claim.pk], "index": "0"},
    )
    claim.refresh_from_db()
    assert claim.verification_level == VerificationLevel.VERIFIED


def test_a_coordinador_cannot_make_anyone_superuser(coordinador):
    url = reverse("admin:auth_user_change", args=[coordinador.user.pk])
    data = form_data(coordinador.get(url)) | {"is_superuser": "on", "is_staff": "on"}
    assert coordinador.post(url, data).status_code == 302
    coordinador.user.refresh_from_db()
    assert not coordinador.user.is_superuser
    assert not coordinador.user.user_permissions.exists()
