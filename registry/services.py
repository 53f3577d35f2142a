"""The record workflow (DESIGN §4, issue #4): draft → submitted → verified → published, and
unpublished / removed. Each transition is one atomic function that checks the object rules,
validates, writes, and leaves a reason in the audit trail.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Detention, Event, ReleaseClaimName, Source
from registry.audit import audit_reason
from registry.models import (
    InformationSubmission,
    Person,
    PersonRedirect,
    RecordState,
)
from registry.vocabulary import VerificationLevel


def _locked(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


def _require(user: AbstractBaseUser, permission: str, person: Person | None = None) -> None:
    if not user.has_perm(permission, person):
        raise PermissionDenied(_("You are not allowed to do this with this record."))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why: the reason is kept in the history.")})
    return reason


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
    _require(by, "registry.submit_person_rule", person)
    with audit_reason(note or "submitted", transition="submit"):
        return _move(person, RecordState.SUBMITTED)


@transaction.atomic
def person_verify(*, person: Person, by: AbstractBaseUser, note: str = "") -> Person:
    """A verifier who neither created nor last edited the record confirms its facts."""
    person = _locked(person)
    _require(by, "registry.verify_person_rule", person)
    with audit_reason(note or "verified", transition="verify"):
        return _move(
            person,
            RecordState.VERIFIED,
            verification_level=VerificationLevel.VERIFIED,
            last_verified_at=timezone.now(),
        )


@transaction.atomic
def person_publish(*, person: Person, by: AbstractBaseUser, note: str = "") -> Person:
    """Make a verified record public: needs recorded consent and never a minor."""
    person = _locked(person)
    _require(by, "registry.publish_person_rule", person)
    if not person.may_be_published():
        raise ValidationError(
            _(
                "Only a verified record with recorded consent, of a person who was not a "
                "minor at detention, can be published."
            )
        )
    with audit_reason(note or "published", transition="publish"):
        return _move(person, RecordState.PUBLISHED)


@transaction.atomic
def person_unpublish(*, person: Person, by: AbstractBaseUser, reason: str) -> Person:
    """Take a record off the public site at once (family request, risk); it can return."""
    reason = _require_reason(reason)
    person = _locked(person)
    _require(by, "registry.unpublish_person_rule", person)
    with audit_reason(reason, transition="unpublish"):
        return _move(person, RecordState.UNPUBLISHED)


@transaction.atomic
def person_remove(*, person: Person, by: AbstractBaseUser, reason: str) -> Person:
    """Takedown: the record leaves every public surface and its page answers 410 Gone."""
    reason = _require_reason(reason)
    person = _locked(person)
    _require(by, "registry.remove_person_rule", person)
    with audit_reason(reason, transition="remove"):
        return _move(person, RecordState.REMOVED)


@transaction.atomic
def person_merge(
    *, survivor: Person, duplicate: Person, by: AbstractBaseUser, reason: str
) -> Person:
    """Fold `duplicate` into `survivor`: its detentions, events, sources, claim names and
    information move; its public address redirects to the survivor; then it is deleted."""
    from cases.services import person_refresh_status

    reason = _require_reason(reason)
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("A record cannot be merged into itself."))
    _require(by, "registry.merge_person_rule", survivor)
    survivor, duplicate = _locked(survivor), _locked(duplicate)
    open_episodes = Detention.objects.filter(
        person__in=[survivor, duplicate], ended_on__isnull=True
    ).count()
    if open_episodes > 1:
        raise ValidationError(
            _("Both records have an open detention: close or delete one of them first.")
        )
    with audit_reason(reason, transition="merge", merged_public_id=duplicate.public_id):
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
        duplicate.delete()
        return person_refresh_status(person=survivor)
