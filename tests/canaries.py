"""A world of canaries for the privacy scans (DESIGN §4, §8).

Every private field holds a value containing CANARY, and every record that must never be
public (each unpublished state, a minor) exists with data of its own; the public pages and the
API are then scanned for CANARY, the secret national ids, hashes and hidden public ids.

The public reads the approved projection (cases/projection.py): the published record is
approved once its case is built, and the records taken down (unpublished, removed) were
published and approved with their own canaries before the workflow took them down, so the
scans also prove that a takedown withdraws what had been approved.
"""

import datetime

from cases import services
from cases.models import (
    Charge,
    DetentionCharge,
    Event,
    ReleaseClaim,
    ReleaseClaimName,
    ReleaseKind,
    Source,
)
from lib.roles import COORDINADOR
from registry.models import InformationSubmission, RecordState
from tests import factories
from tests.conftest import make_staff

D = datetime.date
CANARY = "canary"  # every planted private value contains it (case-insensitive scan)
SECRET_NATIONAL_ID = "V-31.415.926"
CLAIM_NATIONAL_ID = "V-27.182.818"


def plant_canary_world() -> dict:
    """Published record with canaries in every private field, and hidden records of every
    unpublished kind (drafts to takedowns, a minor), plus private submissions and claims."""
    prison = factories.facility(name="Centro Publico", slug="centro-publico")
    person = factories.published_person(
        given_names="Publio",
        first_surname="Visible",
        second_surname="Abierto",
        national_id=SECRET_NATIONAL_ID,
        birth_date=D(1977, 3, 14),
        aliases=[f"{CANARY}-alias"],
        private_notes=f"{CANARY}-notes",
        family_contacts=f"{CANARY}-contact +58 414 000 1111",
        public_summary_es="Resumen público",
    )
    detention = services.detention_open(
        person=person,
        arrested_on=D(2025, 1, 10),
        facility=prison,
        private_notes=f"{CANARY}-detention-notes",
    )
    DetentionCharge.objects.create(
        detention=detention, charge=Charge.objects.create(name_es="Terrorismo", law="LOCDOFT")
    )
    services.release_record(
        detention=detention,
        released_on=D(2025, 6, 1),
        kind=ReleaseKind.UNCONDITIONAL,
        public_note=f"{CANARY}-unverified-release-note",
    )
    Event.objects.create(
        person=person,
        detention=detention,
        occurred_on=D(2025, 1, 11),
        kind="hearing",
        is_public=False,
        public_description=f"{CANARY}-hidden-event",
    )
    public_event = Event.objects.create(
        person=person,
        detention=detention,
        occurred_on=D(2025, 1, 12),
        kind="hearing",
        is_public=True,
        public_description="Audiencia pública",
        private_description=f"{CANARY}-event-private",
    )
    confidential = Source.objects.create(
        person=person,
        kind="family_testimony",
        title=f"{CANARY}-confidential-source",
        url="https://canary.example.org/secret",
        is_confidential=True,
        confidential_details=f"{CANARY}-source-details",
    )
    public_event.sources.add(confidential)
    Source.objects.create(
        person=person,
        kind="press",
        title="Nota pública",
        url="https://example.org/a",
        is_confidential=False,
        confidential_details=f"{CANARY}-public-source-details",
    )
    # What the public sees of the published record: its case, approved.
    factories.approved(person)
    coordinador = make_staff("coordinador-de-canarios", COORDINADOR, second_factor=False)
    takedowns = {
        RecordState.UNPUBLISHED: services.person_unpublish,
        RecordState.REMOVED: services.person_remove,
    }
    hidden = {}
    for state in (
        RecordState.DRAFT,
        RecordState.SUBMITTED,
        RecordState.VERIFIED,
        RecordState.UNPUBLISHED,
        RecordState.REMOVED,
    ):
        names = {"given_names": "Zoila", "first_surname": "Oculta"}
        if state in takedowns:
            # Public once, approved with its canaries, then taken down by the workflow.
            someone = factories.published_person(**names, second_surname=f"{CANARY}{state}")
        else:
            someone = factories.person(**names, second_surname=f"{CANARY}{state}")
            someone.record_state = state
            someone.save()
        services.detention_open(person=someone, arrested_on=D(2025, 2, 1), facility=prison)
        Source.objects.create(
            person=someone, kind="press", title=f"{CANARY}-source-of-hidden", is_confidential=False
        )
        Event.objects.create(
            person=someone,
            occurred_on=D(2025, 2, 2),
            kind="hearing",
            is_public=True,
            public_description=f"{CANARY}-event-of-hidden",
        )
        if state in takedowns:
            factories.approved(someone)
            takedowns[state](person=someone, by=coordinador, reason="Pedido de la familia")
            someone.refresh_from_db()
            assert someone.record_state == state
        hidden[state] = someone
    minor = factories.person(
        given_names="Zoila",
        first_surname="Oculta",
        second_surname=f"{CANARY}minor",
        birth_date=D(2010, 5, 5),
        verification_level="verified",
        consent_basis="family",
        record_state=RecordState.VERIFIED,
    )
    services.detention_open(person=minor, arrested_on=D(2025, 2, 1), facility=prison)
    hidden["minor"] = minor
    InformationSubmission.objects.create(
        about_name=f"{CANARY}-about",
        message=f"{CANARY}-info",
        contact=f"{CANARY}-tip-contact",
        language=CANARY,
    )
    claim_source = Source.objects.create(
        kind="official_statement", title=f"{CANARY}-claim-source", is_confidential=True
    )
    claim = ReleaseClaim.objects.create(
        announced_on=D(2026, 1, 9),
        claimant="Vocero",
        claimed_count=116,
        notes=f"{CANARY}-claim",
        source=claim_source,
    )
    ReleaseClaimName.objects.create(
        claim=claim,
        published_name=f"{CANARY}-claimed-name",
        national_id=CLAIM_NATIONAL_ID,
        match_status="matched",
        person=hidden[RecordState.DRAFT],
    )
    return {"person": person, "prison": prison, "hidden": hidden}
