"""Audit trail, lost-update protection, second factor, lockout and private-read logging."""

import datetime

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time
from axes.models import AccessAttempt
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from registry.models import Person, PrivateDataAccess
from tests import factories
from tests.conftest import STAFF_PASSWORD, make_staff, signed_in
from tests.registry.test_admin import person_form

pytestmark = pytest.mark.django_db

D = datetime.date
PersonAudit = Person.audit_rows.field.model


def audit_count(person) -> int:
    return PersonAudit.objects.filter(pgh_obj_id=person.pk).count()


def test_every_kind_of_write_is_audited():
    person = factories.person()
    assert audit_count(person) == 1  # insert
    person.first_surname = "Orm"
    person.save()
    Person.objects.filter(pk=person.pk).update(first_surname="Queryset")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_person SET first_surname = 'Raw' WHERE id = %s", [person.pk]
        )
    surnames = list(
        PersonAudit.objects.filter(pgh_obj_id=person.pk)
        .order_by("pgh_id")
        .values_list("first_surname", flat=True)
    )
    assert surnames == ["Pérez", "Orm", "Queryset", "Raw"]
    pk = person.pk
    person.delete()
    assert PersonAudit.objects.filter(pgh_obj_id=pk, pgh_label="delete").exists()


def test_audit_rows_cannot_be_altered_or_deleted():
    person = factories.person()
    for statement in (
        "UPDATE registry_personaudit SET first_surname = 'Forged'",
        "DELETE FROM registry_personaudit",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert PersonAudit.objects.get(pgh_obj_id=person.pk).first_surname == "Pérez"


def test_requests_leave_the_user_in_the_audit_trail(coordinador):
    person = factories.person()
    data = person_form(
        given_names="Ana Lucía", expected_version=str(person.version), not_a_duplicate="on"
    )
    assert (
        coordinador.post(
            reverse("admin:registry_person_change", args=[person.pk]), data
        ).status_code
        == 302
    )
    row = PersonAudit.objects.filter(pgh_obj_id=person.pk).order_by("-pgh_id").first()
    assert row.given_names == "Ana Lucía"
    assert row.pgh_context.metadata["user"] == coordinador.user.pk


def test_a_second_save_from_an_outdated_form_is_refused_with_what_changed(coordinador, verificador):
    person = factories.person()
    url = reverse("admin:registry_person_change", args=[person.pk])
    seen_version = str(person.version)
    first = person_form(
        given_names="Primera Versión", expected_version=seen_version, not_a_duplicate="on"
    )
    assert coordinador.post(url, first).status_code == 302
    second = person_form(
        given_names="Segunda Versión",
        first_surname="Cambiado",
        expected_version=seen_version,
        not_a_duplicate="on",
    )
    response = verificador.post(url, second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alguien más guardó este registro" in page
    assert "nombres" in page  # the field the other person changed is named
    person.refresh_from_db()
    assert (person.given_names, person.first_surname) == ("Primera Versión", "Márquez")


def test_staff_without_a_second_factor_see_no_case_data(client):
    user = make_staff("sin_totp", "Coordinador", second_factor=False)
    factories.person(given_names="CANARIO")
    staff = signed_in(user)
    for url in (
        reverse("admin:index"),
        reverse("admin:registry_person_changelist"),
        reverse("staff:queue"),
    ):
        response = staff.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))
        assert "CANARIO" not in response.content.decode()


def _code(user) -> str:
    secret = Authenticator.objects.get(user=user, type="totp").wrap().instance.data["secret"]
    counter = next(yield_hotp_counters_from_time())
    return f"{hotp_value(secret, counter):06d}"


def test_staff_sign_in_with_password_then_second_factor(client):
    user = make_staff("con_totp", "Coordinador")
    response = client.post(
        reverse("account_login"), {"login": "con_totp", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 302 and "2fa" in response["Location"]
    assert client.get(reverse("admin:index")).status_code == 302  # not signed in yet
    response = client.post(reverse("mfa_authenticate"), {"code": _code(user)})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_login_goes_through_the_same_sign_in(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.slow  # a failed sign-in per allowed failure, each hashing a password
def test_repeated_failures_lock_the_account_out(client, settings):
    make_staff("objetivo", "Coordinador")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("account_login"), {"login": "objetivo", "password": "wrong"})
    # Even the right password is refused now (django-axes, and allauth's own rate limit).
    response = client.post(
        reverse("account_login"), {"login": "objetivo", "password": STAFF_PASSWORD}
    )
    assert response.status_code in (200, 403, 429)
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get(username="objetivo")
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT


def test_showing_private_fields_to_staff_is_logged_append_only(coordinador):
    person = factories.person(national_id="V-11.222.333")
    coordinador.get(reverse("admin:registry_person_change", args=[person.pk]))
    access = PrivateDataAccess.objects.get(person=person)
    assert access.user == coordinador.user and "national_id" in access.fields
    assert (access.model, access.object_id) == ("registry.person", person.pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        PrivateDataAccess.objects.filter(pk=access.pk).delete()


def test_a_likely_duplicate_is_shown_before_saving(coordinador):
    existing = factories.person(
        given_names="Jesús Alberto", first_surname="Armas", second_surname="Guanipa"
    )
    data = person_form(given_names="Jesus", first_surname="Armas", second_surname="")
    response = coordinador.post(reverse("admin:registry_person_add"), data)
    assert response.status_code == 200
    assert existing.public_id in response.content.decode()
    assert Person.objects.count() == 1
    data["not_a_duplicate"] = "on"
    assert coordinador.post(reverse("admin:registry_person_add"), data).status_code == 302
    assert Person.objects.count() == 2


def test_the_same_national_id_is_a_likely_duplicate(coordinador):
    factories.person(given_names="Otro", first_surname="Nombre", national_id="V-9.999.111")
    data = person_form(national_id="9999111")
    response = coordinador.post(reverse("admin:registry_person_add"), data)
    assert response.status_code == 200 and Person.objects.count() == 1


def test_password_reset_sends_a_link_by_email(client, mailoutbox):
    user = make_staff("olvidadizo", "Documentalista")
    user.email = "olvidadizo@example.org"
    user.save()
    response = client.post(reverse("account_reset_password"), {"email": "olvidadizo@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "olvidadizo" in mailoutbox[0].body
