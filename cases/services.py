"""Workflows that touch several models (DESIGN §5.3): atomic, keyword-only, validated.

Every change to a person's detentions, custody stays or releases goes through here or ends in
`person_refresh_status`, which keeps the person's derived fields (status, current facility,
detained since, minor at detention) right inside the same transaction, by the rules of
`cases.status` (bulk writes use its set-based SQL instead).
"""

import dataclasses
import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import projection
from cases.history import REVIEW_MARKS, review_marks
from cases.models import (
    CustodyStay,
    Detention,
    EndReason,
    Event,
    PublicVersion,
    Release,
    ReleaseClaim,
    ReleaseClaimName,
    ReleaseCondition,
    Source,
    Tombstone,
)
from cases.rules import require
from cases.status import derive_status
from facilities.models import Facility
from lib.approved import reading_approved
from lib.audit import audit_reason
from lib.vocabulary import (
    DatePrecision,
    PersonStatus,
    VerificationLevel,
    normalise_to_precision,
)
from registry.models import InformationSubmission, Person, PersonRedirect, RecordState


def _earliest_arrest(detentions: list[Detention]) -> datetime.date | None:
    return min((d.arrested_on for d in detentions), default=None)


def _close_stays(detention: Detention, *, on: datetime.date, precision: str) -> None:
    """End the stays still running on `on`; a stay that began later (in the same month or year
    of an imprecise date) ends the day it began."""
    for stay in detention.stays.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on)):
        if stay.started_on >= on:
            stay.ended_on, stay.ended_on_precision = stay.started_on, stay.started_on_precision
        else:
            stay.ended_on, stay.ended_on_precision = on, precision
        stay.save(update_fields=["ended_on", "ended_on_precision"])


def _sync_detention_with_release(detention: Detention) -> None:
    """A verified release closes its detention (and the stay in force); withdrawing it reopens."""
    if detention.end_reason not in ("", EndReason.RELEASED):
        return  # ended otherwise (death): Release.clean refuses a release for it
    release = detention.verified_release
    if release is not None:
        changed = (
            detention.ended_on != release.released_on
            or detention.ended_on_precision != release.released_on_precision
            or detention.end_reason != EndReason.RELEASED
        )
        if changed:
            detention.ended_on = release.released_on
            detention.ended_on_precision = release.released_on_precision
            detention.end_reason = EndReason.RELEASED
            detention.full_clean()
            detention.save(update_fields=["ended_on", "ended_on_precision", "end_reason"])
        _close_stays(detention, on=release.released_on, precision=release.released_on_precision)
    elif detention.end_reason == EndReason.RELEASED:
        detention.ended_on = None
        detention.end_reason = ""
        detention.ended_on_precision = DatePrecision.DAY
        detention.full_clean()
        detention.save(update_fields=["ended_on", "ended_on_precision", "end_reason"])


def _detentions_of(person: Person) -> list[Detention]:
    return list(
        Detention.objects.filter(person=person)
        .select_related("release")
        .prefetch_related(
            Prefetch("stays", queryset=CustodyStay.objects.select_related("facility")),
            "release__conditions",
        )
    )


# A name on a release claim counts as a verified release when the person it was matched to has a
# verified release from this many days before the announcement on (a claim covers recent
# releases; a release verified later, after a delayed release, still counts).
CLAIM_LOOKBACK_DAYS = 30

CLAIM_NAMES_VERIFIED_SQL = f"""
UPDATE {ReleaseClaimName._meta.db_table} AS n
SET verified_released = checked.verified
FROM (
    SELECT n2.id, n2.match_status = 'matched' AND EXISTS (
        SELECT 1
        FROM cases_release r
        JOIN cases_detention d ON d.id = r.detention_id
        JOIN cases_releaseclaim c ON c.id = n2.claim_id
        WHERE d.person_id = n2.person_id AND r.verified
            AND r.released_on >= c.announced_on - {CLAIM_LOOKBACK_DAYS}
    ) AS verified
    FROM {ReleaseClaimName._meta.db_table} AS n2
    WHERE {{where}}
) AS checked
WHERE n.id = checked.id AND n.verified_released IS DISTINCT FROM checked.verified
"""  # noqa: S608 - table names and a constant, no input


def claim_names_refresh_verified(*, person: Person | None = None, claim=None) -> None:
    """Keep `ReleaseClaimName.verified_released` right for a person's names or a claim's."""
    if person is not None:
        where, params = "n2.person_id = %s", [person.pk]
    else:
        where, params = "n2.claim_id = %s", [claim.pk]
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_NAMES_VERIFIED_SQL.replace("{where}", where), params)


@transaction.atomic
def person_refresh_status(
    *, person: Person, today: datetime.date | None = None, touch: bool = True
) -> Person:
    """Recompute the person's derived fields from their episodes; call after any change.

    `touch` marks the record updated even when no derived field changed, so that partners
    syncing by `updated_after` see changes to the case data; the calendar refresh passes False.
    """
    today = today or timezone.localdate()
    person = Person.objects.select_for_update().get(pk=person.pk)
    for detention in _detentions_of(person):
        _sync_detention_with_release(detention)
    detentions = _detentions_of(person)
    derived = derive_status(detentions, today=today)

    earliest = _earliest_arrest(detentions)
    age = person.age_on(earliest) if earliest else None
    if age is not None and age < 18 and person.is_published:
        raise ValidationError(
            _(
                "This person was a minor at detention, and a minor is never published by "
                "name: unpublish the record first."
            )
        )
    values = {
        "current_status": derived.status,
        "current_facility_id": derived.facility.pk if derived.facility else None,
        "detained_since": derived.detained_since,
        "detained_since_precision": derived.detained_since_precision,
        "minor_at_detention": age is not None and age < 18,
    }
    claim_names_refresh_verified(person=person)
    changed = [field for field, value in values.items() if getattr(person, field) != value]
    if changed or touch:
        for field in changed:
            setattr(person, field, values[field])
        person.save(update_fields=[*changed, "updated_at"])
    if touch:
        note_public_changes(person=person)
    return person


@transaction.atomic
def detention_open(
    *,
    person: Person,
    arrested_on: datetime.date,
    arrested_on_precision: str = DatePrecision.DAY,
    facility: Facility | None = None,
    whereabouts_unknown: bool = False,
    **details,
) -> Detention:
    """Record an arrest, with the first place of custody (or unknown whereabouts)."""
    detention = Detention(
        person=person,
        arrested_on=arrested_on,
        arrested_on_precision=arrested_on_precision,
        **details,
    )
    detention.full_clean()
    detention.save()
    if facility is not None or whereabouts_unknown:
        stay = CustodyStay(
            detention=detention,
            facility=facility,
            started_on=detention.arrested_on,
            started_on_precision=detention.arrested_on_precision,
        )
        stay.full_clean()
        stay.save()
    person_refresh_status(person=person)
    return detention


@transaction.atomic
def custody_transfer(
    *,
    detention: Detention,
    facility: Facility | None,
    on: datetime.date,
    precision: str = DatePrecision.DAY,
) -> CustodyStay:
    """Move a detained person to `facility` (None: whereabouts became unknown) from `on`."""
    on = normalise_to_precision(on, precision)
    if not detention.is_open:
        raise ValidationError(_("This detention has ended; a transfer needs an open detention."))
    current = detention.stays.filter(ended_on__isnull=True).first()
    if current is not None:
        if on < current.started_on:
            raise ValidationError(_("A transfer cannot come before the current stay began."))
        current.ended_on, current.ended_on_precision = on, precision
        current.full_clean()
        current.save(update_fields=["ended_on", "ended_on_precision"])
    stay = CustodyStay(
        detention=detention, facility=facility, started_on=on, started_on_precision=precision
    )
    stay.full_clean()
    stay.save()
    person_refresh_status(person=detention.person)
    return stay


@dataclasses.dataclass(frozen=True)
class ConditionSpec:
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    interval_days: int | None = None
    court: str = ""
    details: str = ""


@transaction.atomic
def release_record(
    *,
    detention: Detention,
    released_on: datetime.date,
    kind: str,
    released_on_precision: str = DatePrecision.DAY,
    conditions: tuple[ConditionSpec, ...] = (),
    public_note: str = "",
) -> Release:
    """Record a reported release. It stays a claim, changing no status, until verified."""
    release = Release(
        detention=detention,
        released_on=released_on,
        released_on_precision=released_on_precision,
        kind=kind,
        public_note=public_note,
    )
    release.full_clean()
    release.save()
    for spec in conditions:
        condition = ReleaseCondition(release=release, **dataclasses.asdict(spec))
        condition.full_clean()
        condition.save()
    person_refresh_status(person=detention.person)
    return release


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why: the reason is kept in the history.")})
    return reason


def _locked_release(release: Release) -> Release:
    return (
        Release.objects.select_for_update().select_related("detention__person").get(pk=release.pk)
    )


@transaction.atomic
def release_verify(*, release: Release, by: AbstractBaseUser, note: str = "") -> Release:
    """A verifier who neither recorded nor changed the release confirms it (family, lawyer,
    document): the detention ends and the person's status changes. The only way a release
    becomes verified."""
    release = _locked_release(release)
    require(by, "verify_release", release)
    with audit_reason(note or "release verified", transition="verify_release", user=by.pk):
        release.verified = True
        release.verified_by = by
        release.verified_at = timezone.now()
        release.full_clean()
        release.save(update_fields=["verified", "verified_by", "verified_at"])
        person_refresh_status(person=release.detention.person)
    return release


@transaction.atomic
def release_unverify(*, release: Release, by: AbstractBaseUser, reason: str) -> Release:
    """Withdraw a release's verification (it was wrong): it is a claim again, the detention
    reopens and the person's status goes back. Same rule as verifying; a reason is required."""
    reason = _require_reason(reason)
    release = _locked_release(release)
    require(by, "unverify_release", release)
    with audit_reason(reason, transition="unverify_release", user=by.pk):
        release.verified = False
        release.verified_by = None
        release.verified_at = None
        release.full_clean()
        release.save(update_fields=["verified", "verified_by", "verified_at"])
        person_refresh_status(person=release.detention.person)
    return release


@transaction.atomic
def claim_verify(*, claim: ReleaseClaim, by: AbstractBaseUser, note: str = "") -> ReleaseClaim:
    """A verifier who neither recorded nor changed the claim confirms it was made as recorded
    (its source checked). The only way a claim becomes verified; it changes no status."""
    claim = ReleaseClaim.objects.select_for_update().get(pk=claim.pk)
    require(by, "verify_claim", claim)
    with audit_reason(note or "claim verified", transition="verify_claim", user=by.pk):
        claim.verification_level = VerificationLevel.VERIFIED
        claim.full_clean()
        claim.save(update_fields=["verification_level"])
    return claim


@transaction.atomic
def detention_record_death(
    *, detention: Detention, died_on: datetime.date, precision: str = DatePrecision.DAY
) -> Detention:
    """Close an episode by death in custody."""
    detention.ended_on, detention.ended_on_precision = died_on, precision
    detention.end_reason = EndReason.DIED_IN_CUSTODY
    detention.full_clean()
    detention.save(update_fields=["ended_on", "ended_on_precision", "end_reason"])
    _close_stays(detention, on=detention.ended_on, precision=precision)
    person_refresh_status(person=detention.person)
    return detention


# Facts dated up to this many days ago are caught up by the periodic refresh, so that runs
# missed for a week still leave no status behind the calendar.
CATCH_UP_DAYS = 7


def refresh_statuses_with_lapsed_conditions(*, today: datetime.date | None = None) -> int:
    """Statuses that depend on the calendar: release conditions starting or ending, and facts
    recorded ahead of their date (an arrest, a transfer, an end of custody), which count from
    that date (cases/status.py).

    Idempotent; run by Celery beat. Returns how many people changed status.
    """
    today = today or timezone.localdate()
    in_force = ReleaseCondition.objects.active_on(today).filter(
        release__in=Release.objects.verified()
    )
    recent = (today - datetime.timedelta(days=CATCH_UP_DAYS), today)
    dated_recently = (
        Detention.objects.filter(Q(arrested_on__range=recent) | Q(ended_on__range=recent))
        .values("person")
        .union(
            CustodyStay.objects.filter(
                Q(started_on__range=recent) | Q(ended_on__range=recent)
            ).values("detention__person")
        )
    )
    candidates = Person.objects.filter(
        Q(current_status__in=[PersonStatus.RELEASED_CONDITIONAL, PersonStatus.HOUSE_ARREST])
        | Q(
            current_status=PersonStatus.RELEASED,
            pk__in=in_force.values("release__detention__person"),
        )
        | Q(pk__in=dated_recently)
    )
    changed = 0
    for person in candidates.iterator():
        before = person.current_status
        refreshed = person_refresh_status(person=person, today=today, touch=False)
        changed += refreshed.current_status != before
    # The same candidates among the approved versions, whose status the calendar moves too.
    with reading_approved():
        approved = list(candidates.values_list("pk", flat=True))
    projection.approved_refresh_derived(person_ids=approved, today=today, touch=True)
    return changed


# The record workflow (DESIGN §4): draft → submitted → verified → published, and unpublished /
# removed, and the merge of duplicates. Each transition is one atomic function that checks its
# rule (cases/rules.py), validates, writes, and leaves a reason in the audit trail.


def _locked(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


def _move(person: Person, state: str, **changes) -> Person:
    person.record_state = state
    person.state_changed_at = timezone.now()
    for field, value in changes.items():
        setattr(person, field, value)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_submit(*, person: Person, by: AbstractBaseUser, note: str = "") -> Person:
    """A documentalista hands a draft (or a corrected record) to the verifiers."""
    person = _locked(person)
    require(by, "submit_person", person)
    with audit_reason(note or "submitted", transition="submit", user=by.pk):
        return _move(person, RecordState.SUBMITTED)


@transaction.atomic
def person_verify(*, person: Person, by: AbstractBaseUser, note: str = "") -> Person:
    """A verifier who made none of the changes since the last verification confirms the
    record's facts. The verification marks where the changes the next one reviews begin."""
    person = _locked(person)
    require(by, "verify_person", person)
    marks = {REVIEW_MARKS: review_marks()}
    with audit_reason(note or "verified", transition="verify", user=by.pk, **marks):
        return _move(
            person,
            RecordState.VERIFIED,
            verification_level=VerificationLevel.VERIFIED,
            last_verified_at=timezone.now(),
        )


@transaction.atomic
def person_publish(*, person: Person, by: AbstractBaseUser, note: str = "") -> Person:
    """Make a verified record public, by a verifier who made none of the changes since the
    last verification: needs recorded consent and never a minor."""
    person = _locked(person)
    require(by, "publish_person", person)
    if not person.may_be_published():
        raise ValidationError(
            _(
                "Only a verified record with recorded consent, of a person who was not a "
                "minor at detention, can be published."
            )
        )
    with audit_reason(note or "published", transition="publish", user=by.pk):
        person = _move(person, RecordState.PUBLISHED)
        approve_version(person=person, approved_by=by)
        return person


@transaction.atomic
def person_unpublish(*, person: Person, by: AbstractBaseUser, reason: str) -> Person:
    """Take a record off the public site at once (family request, risk); it can return."""
    reason = _require_reason(reason)
    person = _locked(person)
    require(by, "unpublish_person", person)
    with audit_reason(reason, transition="unpublish", user=by.pk):
        projection.withdraw([person.pk])
        Tombstone.objects.get_or_create(public_id=person.public_id)
        return _move(person, RecordState.UNPUBLISHED, changes_pending=False)


@transaction.atomic
def person_remove(*, person: Person, by: AbstractBaseUser, reason: str) -> Person:
    """Takedown: the record leaves every public surface and its page answers 410 Gone."""
    reason = _require_reason(reason)
    person = _locked(person)
    require(by, "remove_person", person)
    with audit_reason(reason, transition="remove", user=by.pk):
        projection.withdraw([person.pk])
        Tombstone.objects.get_or_create(public_id=person.public_id)
        return _move(person, RecordState.REMOVED, changes_pending=False)


@transaction.atomic
def person_merge(
    *, survivor: Person, duplicate: Person, by: AbstractBaseUser, reason: str
) -> Person:
    """Fold `duplicate` into `survivor`: its detentions, events, sources, claim names and
    information move; its public address redirects to the survivor; then it is deleted."""
    reason = _require_reason(reason)
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("A record cannot be merged into itself."))
    require(by, "merge_person", survivor)
    survivor, duplicate = _locked(survivor), _locked(duplicate)
    open_episodes = Detention.objects.filter(
        person__in=[survivor, duplicate], ended_on__isnull=True
    ).count()
    if open_episodes > 1:
        raise ValidationError(
            _("Both records have an open detention: close or delete one of them first.")
        )
    with audit_reason(reason, transition="merge", user=by.pk, merged_public_id=duplicate.public_id):
        for model in (Detention, Event, Source, InformationSubmission):
            model.objects.filter(person=duplicate).update(person=survivor)
        ReleaseClaimName.objects.filter(person=duplicate).update(person=survivor)
        PersonRedirect.objects.filter(person=duplicate).update(person=survivor)
        PersonRedirect.objects.create(old_public_id=duplicate.public_id, person=survivor)
        if not survivor.national_id and duplicate.national_id:
            survivor.national_id = duplicate.national_id
        survivor.aliases = sorted({*survivor.aliases, *duplicate.aliases, duplicate.name})
        survivor.last_edited_by = by
        survivor.save()
        projection.withdraw([duplicate.pk])
        duplicate.delete()
        return person_refresh_status(person=survivor)


# The approved projection (cases/projection.py, docs/publication.md): what the public sees of a
# published person is their last approved version.


def note_public_changes(*, person: Person) -> bool:
    """Mark a published person whose working data no longer matches the approved version as
    having changes pending review (or not, when an edit was undone). Returns the flag."""
    if not person.is_published:
        return False
    latest = person.public_versions.order_by("-number").only("document").first()
    pending = latest is None or latest.document != projection.document(person)
    if pending != person.changes_pending:
        Person.objects.filter(pk=person.pk).update(changes_pending=pending)
        person.changes_pending = pending
    return pending


@transaction.atomic
def approve_version(*, person: Person, approved_by: AbstractBaseUser | None) -> PublicVersion:
    """Make the person's working data the version the public sees: store it as the next
    immutable version and write it into the approved tables (every public surface at once).

    It checks no rule: it is not a step anyone takes, but what the steps that approve
    (`person_publish`, `person_approve_changes`, after their rules) have written; this is the
    one place that writes a version.
    """
    person = _locked(person)
    previous = person.public_versions.order_by("-number").first()
    document = projection.document(person)
    version = PublicVersion.objects.create(
        person=person,
        number=previous.number + 1 if previous else 1,
        approved_at=timezone.now(),
        approved_by=approved_by,
        document=document,
        # The approved rows will derive what the working rows derive now, from the same data.
        changes=projection.changes(
            previous.document if previous else None,
            document,
            status_before=projection.approved_status(person.pk),
            status_after={
                "current_status": person.current_status,
                "current_facility_id": person.current_facility_id,
            },
        ),
    )
    projection.materialize([version.pk])
    Person.objects.filter(pk=person.pk).update(changes_pending=False, changes_sent_back="")
    Tombstone.objects.filter(public_id=person.public_id).delete()
    return version


def adopt_published_without_version(*, batch: int = projection.BATCH) -> int:
    """Give each published person who has no version yet (records published before versions
    existed, bulk loads) a first version: their data as the public sees it today. Returns how
    many. Run by `manage.py rebuild_projection --adopt`."""
    pending = Person.objects.filter(
        record_state=RecordState.PUBLISHED, public_versions__isnull=True
    ).order_by("pk")
    adopted = 0
    while True:
        with transaction.atomic():
            ids = list(pending.values_list("pk", flat=True)[:batch])
            if not ids:
                return adopted
            now = timezone.now()
            docs = projection.documents(ids)
            versions = PublicVersion.objects.bulk_create(
                PublicVersion(person_id=pk, number=1, approved_at=now, document=docs[pk])
                for pk in ids
            )
            projection.materialize([version.pk for version in versions])
            Person.objects.filter(pk__in=ids).update(changes_pending=False)
            adopted += len(ids)


@transaction.atomic
def person_approve_changes(
    *, person: Person, by: AbstractBaseUser, seen: str, note: str = ""
) -> PublicVersion:
    """A second person approves the changes made to a published record since its last approved
    version: they become the version the public sees. `seen` is the fingerprint of what the
    reviewer was shown (`projection.fingerprint`); if the record changed since, nothing is
    approved and the error says so."""
    person = _locked(person)
    require(by, "approve_changes", person)
    if projection.fingerprint(projection.document(person)) != seen:
        raise ValidationError(
            _(
                "Someone changed this record while you were reviewing it. Nothing was "
                "approved: review the changes again."
            ),
            code="stale",
        )
    # Like a verification, the approval marks where the changes the next review sees begin.
    marks = {REVIEW_MARKS: review_marks()}
    with audit_reason(
        note or "changes approved", transition="approve_changes", user=by.pk, **marks
    ):
        person.last_verified_at = timezone.now()
        person.save(update_fields=["last_verified_at", "updated_at"])
        return approve_version(person=person, approved_by=by)


@transaction.atomic
def person_send_back_changes(*, person: Person, by: AbstractBaseUser, reason: str) -> Person:
    """A reviewer does not approve the pending changes and says why; the public keeps the
    approved version, and the editors see the reason on the review page."""
    reason = _require_reason(reason)
    person = _locked(person)
    require(by, "send_back_changes", person)
    with audit_reason(reason, transition="send_back", user=by.pk):
        person.changes_sent_back = reason
        person.save(update_fields=["changes_sent_back", "updated_at"])
    return person
