"""The audit trail's contexts (lib/audit.py): who wrote a row, and in which workflow step. The
two-person rule (cases/rules.py) trusts both."""

import pghistory
import pytest

from cases.history import editors_under_review
from lib.audit import audit_context, audit_reason
from registry.models import Person
from tests import factories

pytestmark = pytest.mark.django_db


def contexts(person: Person) -> list[dict]:
    rows = person.audit_rows.order_by("pgh_id").select_related("pgh_context")
    return [row.pgh_context.metadata if row.pgh_context_id else {} for row in rows]


def test_an_edit_and_a_workflow_step_in_one_request_keep_their_own_contexts(verificador):
    with pghistory.context(user=verificador.user.pk, url="/admin/"):  # as the middleware does
        person = factories.person(given_names="Edita")
        with audit_reason("verified", transition="verify"):
            person.public_summary = "Verificado."
            person.save()
        person.public_summary = "Y editado después."
        person.save()
    inserted, verified, edited = contexts(person)
    assert "transition" not in inserted and "transition" not in edited
    assert verified["transition"] == "verify" and verified["user"] == verificador.user.pk
    assert inserted["user"] == edited["user"] == verificador.user.pk
    assert editors_under_review(person) == {verificador.user.pk}


def test_a_write_after_a_context_in_the_same_transaction_is_nobodys(verificador):
    """PostgreSQL keeps the context in transaction-local settings; the block's end forgets it."""
    with audit_context(user=verificador.user.pk):
        person = factories.person(given_names="Antes")
    other = factories.person(given_names="Después")
    assert contexts(person) == [{"user": verificador.user.pk}]
    assert contexts(other) == [{}]
    with audit_reason("submitted", transition="submit"):
        person.save()
    other.save()
    assert contexts(other)[-1] == {}


@pytest.mark.parametrize(
    ("middleware", "leaks"),
    [("pghistory.middleware.HistoryMiddleware", True), ("lib.audit.AuditMiddleware", False)],
)
def test_a_request_s_context_ends_with_the_request(settings, verificador, middleware, leaks):
    """Tests run requests inside one transaction: with pghistory's own middleware, whatever the
    test writes after a request would be the request's user's doing."""
    settings.MIDDLEWARE = [
        middleware if name == "lib.audit.AuditMiddleware" else name for name in settings.MIDDLEWARE
    ]
    draft = factories.person(given_names="Borrador")
    response = verificador.post(f"/personal/personas/{draft.pk}/enviar/")
    assert response.status_code == 302
    written_after = contexts(factories.person(given_names="Después"))[0]
    assert (written_after.get("user") == verificador.user.pk) is leaks
