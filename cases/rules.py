"""Who may do what with a record and its facts (django-rules): deny unless a rule says yes.

The workflow steps (submit, verify, publish, take down, merge; verify a release) are *rules*
(`rules.add_rule`), not permissions: Django answers yes to every permission an active superuser
asks about, so a step checked with `user.has_perm` would let the deployer's account past the
two-person rule. `may` and `require` are the one way to test them, for services and pages
alike; a superuser has the rights of their role groups, and without one, none.

The two-person rule: whoever made any of the changes under review (cases/history.py) may not
approve them; verifying a fact or taking a workflow step is not a change.
"""

import contextlib
import contextvars
import functools
import operator
from collections.abc import Callable, Iterator

import rules
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from cases.history import claim_authors, editors_under_review, release_authors
from lib.roles import COORDINADOR, DOCUMENTALISTA, ROLES, VERIFICADOR
from lib.vocabulary import VerificationLevel
from registry.models import RecordState

is_documentalista = rules.is_group_member(DOCUMENTALISTA)
is_verificador = rules.is_group_member(VERIFICADOR)
is_coordinador = rules.is_group_member(COORDINADOR)
is_staff_member = rules.is_active & (is_documentalista | is_verificador | is_coordinador)
is_checker = rules.is_active & (is_verificador | is_coordinador)
is_active_coordinador = rules.is_active & is_coordinador

# Pages evaluate several rules of one record at once (its buttons, who may approve it): inside
# `evaluating_together()` the audit trail is read once per record. Services never use it, so
# the check that counts always reads the trail as it is.
_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("rules_memo", default=None)


@contextlib.contextmanager
def evaluating_together() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _remembered(key: tuple, compute: Callable[[], set[int]]) -> set[int]:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@rules.predicate
def made_changes_under_review(user, person) -> bool:
    editors = _remembered(("person", person.pk), lambda: editors_under_review(person))
    return user.pk in editors


@rules.predicate
def wrote_the_release(user, release) -> bool:
    authors = _remembered(("release", release.pk), lambda: release_authors(release))
    return user.pk in authors


@rules.predicate
def wrote_the_claim(user, claim) -> bool:
    authors = _remembered(("claim", claim.pk), lambda: claim_authors(claim))
    return user.pk in authors


@rules.predicate
def claim_is_verified(user, claim) -> bool:
    return claim.verification_level == VerificationLevel.VERIFIED


@rules.predicate
def can_be_submitted(user, person) -> bool:
    return person.record_state in (
        RecordState.DRAFT,
        RecordState.UNPUBLISHED,
        RecordState.VERIFIED,
    )


@rules.predicate
def is_submitted(user, person) -> bool:
    return person.record_state == RecordState.SUBMITTED


@rules.predicate
def is_publishable(user, person) -> bool:
    return person.record_state in (RecordState.VERIFIED, RecordState.UNPUBLISHED)


@rules.predicate
def is_published(user, person) -> bool:
    return person.is_published


@rules.predicate
def has_changes_pending(user, person) -> bool:
    """Published, and changed since the version the public sees (cases/projection.py)."""
    return person.is_published and person.changes_pending


@rules.predicate
def not_removed(user, person) -> bool:
    return person.record_state != RecordState.REMOVED


@rules.predicate
def release_is_verified(user, release) -> bool:
    return release.verified


# Each step: its conditions, in the order they are explained, each with what to say when it
# does not hold. The rule is all of them.
STEPS: dict[str, tuple[tuple[rules.Predicate, str], ...]] = {
    "submit_person": (
        (is_staff_member, _("Only staff with a role may submit a record for verification.")),
        (can_be_submitted, _("Only a draft, verified or unpublished record can be submitted.")),
    ),
    "verify_person": (
        (is_checker, _("Only a verifier or a coordinator may verify a record.")),
        (is_submitted, _("Only a record submitted for verification can be verified.")),
        (
            ~made_changes_under_review,
            _(
                "You changed this record after its last verification: another person must "
                "verify it."
            ),
        ),
    ),
    "publish_person": (
        (is_checker, _("Only a verifier or a coordinator may publish a record.")),
        (is_publishable, _("Only a verified or unpublished record can be published.")),
        (
            ~made_changes_under_review,
            _(
                "You changed this record after its last verification: another person must "
                "publish it."
            ),
        ),
    ),
    # Changes to a published record (docs/publication.md): the public keeps the approved
    # version until a second person approves them, or sends them back with a reason.
    "approve_changes": (
        (is_checker, _("Only a verifier or a coordinator may approve changes.")),
        (has_changes_pending, _("This record has no changes waiting for review.")),
        (
            ~made_changes_under_review,
            _("You made some of these changes: another person must approve them."),
        ),
    ),
    "send_back_changes": (
        (is_checker, _("Only a verifier or a coordinator may send changes back.")),
        (has_changes_pending, _("This record has no changes waiting for review.")),
        (
            ~made_changes_under_review,
            _("You made some of these changes: another person must review them."),
        ),
    ),
    "unpublish_person": (
        (is_active_coordinador, _("Only a coordinator may unpublish a record.")),
        (is_published, _("Only a published record can be unpublished.")),
    ),
    "remove_person": (
        (is_active_coordinador, _("Only a coordinator may take a record down.")),
        (not_removed, _("This record has already been taken down.")),
    ),
    "merge_person": ((is_active_coordinador, _("Only a coordinator may merge records.")),),
    "verify_release": (
        (is_checker, _("Only a verifier or a coordinator may verify a release.")),
        (~release_is_verified, _("This release is already verified.")),
        (
            ~wrote_the_release,
            _("You recorded or changed this release: another person must verify it."),
        ),
    ),
    "unverify_release": (
        (
            is_checker,
            _("Only a verifier or a coordinator may withdraw the verification of a release."),
        ),
        (release_is_verified, _("This release is not verified.")),
        (
            ~wrote_the_release,
            _(
                "You recorded or changed this release: another person must withdraw its "
                "verification."
            ),
        ),
    ),
    "verify_claim": (
        (is_checker, _("Only a verifier or a coordinator may verify a release claim.")),
        (~claim_is_verified, _("This release claim is already verified.")),
        (
            ~wrote_the_claim,
            _("You recorded or changed this release claim: another person must verify it."),
        ),
    ),
}
for _step, _conditions in STEPS.items():
    rules.add_rule(_step, functools.reduce(operator.and_, (check for check, _why in _conditions)))

# Pages (not workflow steps): plain permissions, which a superuser passes.
rules.add_perm("registry.view_queue", is_checker)
rules.add_perm("registry.view_history", is_staff_member)


def may(user, step: str, obj: Model) -> bool:
    """Whether `user` may take `step` (a key of STEPS) on `obj`; unknown steps: no."""
    return rules.test_rule(step, user, obj)


def refusal(user, step: str, obj: Model) -> str | None:
    """Why `user` may not take `step` on `obj`, in words; None if they may."""
    if may(user, step, obj):
        return None
    for check, why in STEPS.get(step, ()):
        if not check.test(user, obj):
            return str(why)
    return str(_("You are not allowed to do this with this record."))


def require(user, step: str, obj: Model) -> None:
    """Raise PermissionDenied, saying why, unless `user` may take `step` on `obj`."""
    if not may(user, step, obj):
        raise PermissionDenied(refusal(user, step, obj))


def who_may(step: str, obj: Model) -> list:
    """The active staff who may take `step` on `obj` now (for the record page)."""
    candidates = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=ROLES)
        .distinct()
        .order_by("username")
    )
    with evaluating_together():
        return [user for user in candidates if may(user, step, obj)]
