"""The admin is the first data-entry surface: bad input gets a translated error, writes nothing,
and private fields stay with the staff allowed to see them."""

import datetime

import pytest
from django.urls import reverse

from cases import services
from cases.models import CustodyStay, Detention
from lib.vocabulary import PersonStatus
from registry.models import Person
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def person_form(**fields) -> dict[str, str]:
    data = {
        "given_names": "Ana Lucía",
        "first_surname": "Márquez",
        "second_surname": "Salas",
        "sex": "female",
        "nationalities": "VE",
        "record_state": "draft",
        "verification_level": "reported",
        "consent_basis": "none",
        **management("detentions", 0),
        **management("events", 0),
        **management("sources", 0),
    }
    data.update(fields)
    return data


def detention_form(detention: Detention, *, stays=(), **fields) -> dict[str, str]:
    data = {
        "person": str(detention.person_id),
        "arrested_on": detention.arrested_on.isoformat(),
        "arrested_on_precision": "day",
        "arresting_agency": "sebin",
        "legal_stage": "charged",
        "ended_on_precision": "day",
        **management("stays", len(stays)),
        **management("detention_charges", 0),
        **management("release", 0),
    }
    for index, stay in enumerate(stays):
        data.update(
            {
                f"stays-{index}-{key}": value
                for key, value in {
                    "facility": str(stay.get("facility", "")),
                    "started_on": stay["started_on"],
                    "started_on_precision": "day",
                    "ended_on": stay.get("ended_on", ""),
                    "ended_on_precision": "day",
                    "detention": str(detention.pk),
                }.items()
            }
        )
    data.update(fields)
    return data


def test_staff_create_a_person_through_the_admin(coordinador):
    response = coordinador.post(
        reverse("admin:registry_person_add"),
        person_form(
            national_id="V-20.111.222", public_summary_es="Resumen", public_summary_en="Summary"
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = Person.objects.get()
    assert person.national_id == "V-20111222"
    assert person.public_summary_es == "Resumen"


def test_a_bad_national_id_gets_a_spanish_error_and_writes_nothing(coordinador):
    response = coordinador.post(
        reverse("admin:registry_person_add"), person_form(national_id="V-12")
    )
    assert response.status_code == 200
    assert "Ingrese un número de cédula" in response.content.decode()
    assert not Person.objects.exists()


def test_the_admin_form_cannot_publish_or_verify_a_record(coordinador):
    """Publication and verification go through the workflow (registry/services.py)."""
    response = coordinador.post(
        reverse("admin:registry_person_add"), person_form(record_state="published")
    )
    assert response.status_code == 302
    assert Person.objects.get().record_state == "draft"
    response = coordinador.post(
        reverse("admin:registry_person_add"),
        person_form(first_surname="Otro", verification_level="verified", not_a_duplicate="on"),
    )
    assert "se verifica mediante el paso de verificación" in response.content.decode()


def test_detention_ending_before_the_arrest_is_refused(coordinador):
    detention = factories.detained(factories.person(), on=D(2025, 3, 1))
    response = coordinador.post(
        reverse("admin:cases_detention_change", args=[detention.pk]),
        detention_form(detention, ended_on="2025-02-01", end_reason="other"),
    )
    assert response.status_code == 200
    assert "Una detención no puede terminar antes del arresto." in response.content.decode()
    detention.refresh_from_db()
    assert detention.ended_on is None


def test_overlapping_stays_entered_together_are_refused_and_nothing_is_written(coordinador):
    person = factories.person()
    detention = Detention.objects.create(person=person, arrested_on=D(2025, 1, 1))
    first, second = factories.facility(), factories.facility()
    response = coordinador.post(
        reverse("admin:cases_detention_change", args=[detention.pk]),
        detention_form(
            detention,
            stays=[
                {"facility": first.pk, "started_on": "2025-01-01", "ended_on": "2025-03-01"},
                {"facility": second.pk, "started_on": "2025-02-01"},
            ],
            legal_stage="trial",
        ),
    )
    assert response.status_code == 200
    assert "Dos estancias de esta detención se solapan" in response.content.decode()
    assert not CustodyStay.objects.exists()
    detention.refresh_from_db()
    assert detention.legal_stage == "no_charges"


def test_a_stay_overlapping_a_saved_stay_is_refused(coordinador):
    person = factories.person()
    detention = factories.detained(person, on=D(2025, 1, 1))
    saved = detention.stays.get()
    data = detention_form(
        detention, stays=[{"facility": factories.facility().pk, "started_on": "2025-02-01"}]
    )
    # The saved, open stay is part of the formset as it is.
    data.update(management("stays", 2, initial=1))
    data.update(
        {
            "stays-1-id": str(saved.pk),
            "stays-1-facility": str(saved.facility_id),
            "stays-1-started_on": "2025-01-01",
            "stays-1-started_on_precision": "day",
            "stays-1-ended_on_precision": "day",
            "stays-1-detention": str(detention.pk),
        }
    )
    response = coordinador.post(reverse("admin:cases_detention_change", args=[detention.pk]), data)
    assert response.status_code == 200
    assert "se solapa" in response.content.decode()
    assert detention.stays.count() == 1


def test_a_second_open_detention_is_refused(coordinador):
    person = factories.person()
    factories.detained(person, on=D(2025, 1, 1))
    response = coordinador.post(
        reverse("admin:cases_detention_add"),
        {
            "person": str(person.pk),
            "arrested_on": "2025-06-01",
            "arrested_on_precision": "day",
            "arresting_agency": "dgcim",
            "legal_stage": "no_charges",
            "ended_on_precision": "day",
            **management("stays", 0),
            **management("detention_charges", 0),
            **management("release", 0),
        },
    )
    assert response.status_code == 200
    assert "ya tiene una detención abierta" in response.content.decode()
    assert person.detentions.count() == 1


def test_two_open_detentions_added_together_on_the_person_page_are_refused(coordinador):
    person = factories.person()
    data = person_form(**management("detentions", 2), expected_version=str(person.version))
    for index, day in enumerate(["2025-01-01", "2025-05-01"]):
        data.update(
            {
                f"detentions-{index}-arrested_on": day,
                f"detentions-{index}-arrested_on_precision": "day",
                f"detentions-{index}-arresting_agency": "pnb",
                f"detentions-{index}-legal_stage": "no_charges",
                f"detentions-{index}-person": str(person.pk),
            }
        )
    response = coordinador.post(reverse("admin:registry_person_change", args=[person.pk]), data)
    assert response.status_code == 200
    assert "Solo puede haber una detención abierta" in response.content.decode()
    assert not Detention.objects.exists()


def test_saving_stays_in_the_admin_updates_the_derived_status(coordinador):
    person = factories.person()
    detention = Detention.objects.create(person=person, arrested_on=D(2025, 1, 1))
    place = factories.facility()
    response = coordinador.post(
        reverse("admin:cases_detention_change", args=[detention.pk]),
        detention_form(detention, stays=[{"facility": place.pk, "started_on": "2025-01-01"}]),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.current_status, person.current_facility) == (PersonStatus.DETAINED, place)


def test_private_fields_are_hidden_from_staff_without_the_permission(staff_without_private_data):
    person = factories.person(
        national_id="V-13.579.246", family_contacts="CANARIO-CONTACTO", private_notes="CANARIO-NOTA"
    )
    response = staff_without_private_data.get(
        reverse("admin:registry_person_change", args=[person.pk])
    )
    page = response.content.decode()
    assert response.status_code == 200
    for secret in ("13579246", "CANARIO-CONTACTO", "CANARIO-NOTA", 'name="national_id"'):
        assert secret not in page
    # Saving the form without those fields keeps them as they were.
    data = person_form(given_names="Ana Lucía", expected_version=str(person.version))
    response = staff_without_private_data.post(
        reverse("admin:registry_person_change", args=[person.pk]), data
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.national_id == "V-13579246" and person.family_contacts == "CANARIO-CONTACTO"


def test_private_fields_are_shown_to_staff_with_the_permission(coordinador):
    person = factories.person(national_id="V-13.579.246", family_contacts="CANARIO-CONTACTO")
    page = coordinador.get(
        reverse("admin:registry_person_change", args=[person.pk])
    ).content.decode()
    assert "V-13579246" in page and "CANARIO-CONTACTO" in page


def test_staff_find_a_person_by_national_id_in_the_admin_search(staff_without_private_data):
    wanted = factories.person(first_surname="Guanipa", national_id="V-9.876.543")
    factories.person(first_surname="Otro")
    response = staff_without_private_data.get(
        reverse("admin:registry_person_changelist"), {"q": "9876543"}
    )
    assert list(response.context["cl"].queryset) == [wanted]


@pytest.mark.parametrize(
    "url",
    [
        "admin:registry_person_changelist",
        "admin:registry_person_add",
        "admin:cases_detention_changelist",
        "admin:cases_release_changelist",
        "admin:cases_releaseclaim_changelist",
        "admin:cases_source_changelist",
        "admin:cases_charge_changelist",
        "admin:facilities_facility_changelist",
        "admin:registry_informationsubmission_changelist",
    ],
)
def test_admin_pages_render_in_spanish_for_staff_and_not_for_anonymous(coordinador, client, url):
    response = coordinador.get(reverse(url))
    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()
    coordinador.logout()
    assert client.get(reverse(url)).status_code == 302


def test_people_list_filters_by_status_state_and_category(coordinador):
    in_zulia = factories.facility(state="zulia")
    journalist = factories.person(first_surname="Periodista", categories=["journalist"])
    factories.detained(journalist, place=in_zulia)
    student = factories.person(first_surname="Estudiante", categories=["student"])
    services.detention_open(person=student, arrested_on=D(2025, 1, 1), whereabouts_unknown=True)

    def listed(**query) -> set[str]:
        response = coordinador.get(reverse("admin:registry_person_changelist"), query)
        assert response.status_code == 200
        return {person.first_surname for person in response.context["cl"].queryset}

    assert listed(state="zulia") == {"Periodista"}
    assert listed(category="student") == {"Estudiante"}
    assert listed(current_status__exact="whereabouts_unknown") == {"Estudiante"}
    assert listed(category="not-a-category") == {"Periodista", "Estudiante"}
