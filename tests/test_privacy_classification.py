"""The one privacy classification (lib/privacy.py) is complete, enforced, and read everywhere."""

import pytest
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.test.utils import isolate_apps
from encrypted_fields.fields import EncryptedTextField

from api import serializers
from api.exports import COLUMNS
from lib.national_id import normalise_national_id
from lib.privacy import (
    Privacy,
    Tier,
    check_classification,
    classification_errors,
    classified_models,
    field_tier,
    fields_of,
)
from registry.models import Person
from registry.private_data import private_form_fields
from tests.canaries import CANARY, CLAIM_NATIONAL_ID, SECRET_NATIONAL_ID, plant_canary_world


def test_every_field_of_every_model_is_classified():
    assert len(classified_models()) >= 20
    assert check_classification() == []


@isolate_apps("registry")
def test_an_unclassified_or_doubly_classified_field_is_an_error():
    class Dossier(models.Model):
        title = models.CharField(max_length=10)
        secret = EncryptedTextField()
        privacy = Privacy(public=["id", "title"], staff=["title"])

        class Meta:
            app_label = "registry"

    errors = classification_errors(Dossier)
    assert any("Dossier.secret has no privacy tier" in error for error in errors)
    assert any("Dossier.title is declared in several tiers" in error for error in errors)


@isolate_apps("registry")
def test_an_encrypted_field_can_never_be_public_or_partner_tier():
    class Dossier(models.Model):
        secret = EncryptedTextField()
        privacy = Privacy(staff=["id"], partner=["secret"])

        class Meta:
            app_label = "registry"

    assert classification_errors(Dossier) == [
        "registry.Dossier.secret is encrypted: it must be staff or private."
    ]


@isolate_apps("registry")
def test_a_model_without_a_declaration_is_an_error():
    class Dossier(models.Model):
        class Meta:
            app_label = "registry"

    assert classification_errors(Dossier) == [
        "registry.Dossier has no `privacy = Privacy(...)` declaration."
    ]


def test_a_path_through_a_relation_takes_the_most_closed_tier():
    assert field_tier(Person, "current_facility__name") is Tier.PUBLIC
    assert field_tier(Person, "current_facility__latitude") is Tier.PARTNER
    assert field_tier(Person, "detentions__private_notes") is Tier.PRIVATE
    # A translated copy has its original's tier.
    assert field_tier(Person, "public_summary_en") is Tier.PUBLIC


def test_the_api_shows_partner_tier_fields_exactly_where_the_models_say():
    partner_only = {
        cls.__name__: set(cls().partner_fields)
        for cls in vars(serializers).values()
        if isinstance(cls, type)
        and issubclass(cls, serializers.TieredSerializer)
        and cls is not serializers.TieredSerializer
    }
    assert partner_only["PersonListSerializer"] == {
        "sex",
        "nationalities",
        "detained_since_precision",
        "created_at",
    }
    assert partner_only["FacilitySerializer"] == {"latitude", "longitude"}
    assert partner_only["ReleaseSerializer"] == {"released_on_precision", "verified_at"}
    assert partner_only["PublicSourceSerializer"] == set()


def test_a_serializer_naming_a_private_field_refuses_to_run():
    class LeakySerializer(serializers.TieredSerializer):
        model = Person
        name = serializers.serializers.CharField()
        notes = serializers.serializers.CharField(source="private_notes")

    with pytest.raises(ImproperlyConfigured, match="private_notes, a private field"):
        LeakySerializer(context={}).fields  # noqa: B018 - building the fields is the check

    class SneakySerializer(serializers.TieredSerializer):
        model = Person
        contacts = serializers.serializers.CharField(source="family_contacts.strip")

    with pytest.raises(ImproperlyConfigured, match="family_contacts.strip, a private field"):
        SneakySerializer(context={}).fields  # noqa: B018


def test_export_columns_take_their_tier_from_the_fields_they_read():
    tiers = {column.name: column.tier for column in COLUMNS}
    assert {name for name, tier in tiers.items() if tier is Tier.PARTNER} == {
        "sex",
        "nationalities",
        "detained_since_precision",
        "created_at",
    }
    assert tiers["profile_url"] is Tier.PUBLIC


def test_the_admin_hides_exactly_the_private_fields():
    assert private_form_fields(Person) == [
        "national_id",
        "private_notes",
        "family_contacts",
    ]


# Fields the canary world does not fill, and why.
NOT_PLANTED = {
    "registry.NameToken": "the name vocabulary, derived by triggers from the names",
    "registry.PrivateDataAccess": "written by the application when staff read private data",
}


def _free_text(field: models.Field) -> bool:
    if isinstance(field, ArrayField):
        field = field.base_field
    return (
        isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and field.editable
        and not field.generated
    )


@pytest.mark.django_db
def test_every_hidden_text_field_holds_a_canary_in_the_canary_world():
    """So that the scans of every public surface would see any of them leak."""
    plant_canary_world()
    # National ids are planted as secret numbers, which the scans look for in every form.
    secrets = {normalise_national_id(number) for number in (SECRET_NATIONAL_ID, CLAIM_NATIONAL_ID)}
    missing = []
    for model in classified_models():
        label = model._meta.label
        if model._meta.app_label not in ("registry", "cases", "facilities") or label in NOT_PLANTED:
            continue
        for name in fields_of(model, Tier.STAFF, Tier.PRIVATE):
            if not _free_text(model._meta.get_field(name)):
                continue
            values = [str(value) for value in model.objects.values_list(name, flat=True)]
            if not any(CANARY in value.lower() or value in secrets for value in values):
                missing.append(f"{label}.{name}")
    assert missing == [], f"Plant a canary for these fields in tests/canaries.py: {missing}"
