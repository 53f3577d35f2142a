"""Object rules for the record workflow (django-rules): deny unless a rule says yes."""

import rules

from lib.roles import COORDINADOR, DOCUMENTALISTA, VERIFICADOR
from registry.models import RecordState

is_documentalista = rules.is_group_member(DOCUMENTALISTA)
is_verificador = rules.is_group_member(VERIFICADOR)
is_coordinador = rules.is_group_member(COORDINADOR)
is_staff_member = is_documentalista | is_verificador | is_coordinador


@rules.predicate
def is_author(user, person) -> bool:
    """Created or last edited the record: such a person may not verify or publish it."""
    return person is not None and user.pk in (person.created_by_id, person.last_edited_by_id)


@rules.predicate
def can_be_submitted(user, person) -> bool:
    return person is not None and person.record_state in (
        RecordState.DRAFT,
        RecordState.UNPUBLISHED,
        RecordState.VERIFIED,
    )


@rules.predicate
def is_submitted(user, person) -> bool:
    return person is not None and person.record_state == RecordState.SUBMITTED


@rules.predicate
def is_publishable(user, person) -> bool:
    return person is not None and person.record_state in (
        RecordState.VERIFIED,
        RecordState.UNPUBLISHED,
    )


@rules.predicate
def has_changes_pending(user, person) -> bool:
    return person is not None and person.is_published and person.changes_pending


@rules.predicate
def is_published(user, person) -> bool:
    return person is not None and person.is_published


@rules.predicate
def not_removed(user, person) -> bool:
    return person is not None and person.record_state != RecordState.REMOVED


rules.add_perm("registry.submit_person_rule", is_staff_member & can_be_submitted)
rules.add_perm(
    "registry.verify_person_rule", (is_verificador | is_coordinador) & is_submitted & ~is_author
)
rules.add_perm(
    "registry.publish_person_rule", (is_verificador | is_coordinador) & is_publishable & ~is_author
)
rules.add_perm(
    "registry.approve_changes_rule",
    (is_verificador | is_coordinador) & has_changes_pending & ~is_author,
)
rules.add_perm(
    "registry.send_back_changes_rule",
    (is_verificador | is_coordinador) & has_changes_pending & ~is_author,
)
rules.add_perm("registry.unpublish_person_rule", is_coordinador & is_published)
rules.add_perm("registry.remove_person_rule", is_coordinador & not_removed)
rules.add_perm("registry.merge_person_rule", is_coordinador)
rules.add_perm("registry.view_queue", is_verificador | is_coordinador)
rules.add_perm("registry.view_history", is_staff_member)
