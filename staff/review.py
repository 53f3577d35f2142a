"""Review of the changes made to published records (docs/publication.md): until a second
person approves them, the public keeps the last approved version."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases import projection, rules, services
from cases.describe import describe
from registry.models import Person
from staff.views import approval


def pending_changes(person: Person) -> list[str]:
    """The changes that approving would make public, in words (old → new)."""
    latest = person.public_versions.order_by("-number").first()
    working = projection.document(person)
    found = projection.changes(
        latest.document if latest else {},
        working,
        status_before=projection.approved_status(person.pk),
        status_after={
            "current_status": person.current_status,
            "current_facility_id": person.current_facility_id,
        },
    )
    return [describe(change, full=True) for change in found]


@login_required
@require_GET
def pending_queue(request):
    """Published records with changes waiting for a second person, oldest change first."""
    if not request.user.has_perm("registry.view_queue"):
        raise PermissionDenied
    records = Person.objects.filter(changes_pending=True, record_state="published").order_by(
        "updated_at", "pk"
    )
    page = Paginator(records, 25).get_page(request.GET.get("page"))
    return render(request, "staff/pending_queue.html", {"page_obj": page})


@login_required
@require_http_methods(["GET", "POST"])
def changes_review(request, pk: int):
    if not request.user.has_perm("registry.view_queue"):
        raise PermissionDenied
    person = get_object_or_404(Person, pk=pk)
    services.note_public_changes(person=person)
    may_approve = rules.may(request.user, "approve_changes", person)
    error = ""
    if request.method == "POST" and "send_back" in request.POST:
        rules.require(request.user, "send_back_changes", person)
        try:
            services.person_send_back_changes(
                person=person, by=request.user, reason=request.POST.get("reason", "")
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, _("The changes were sent back with your reason."))
            return redirect(reverse("staff:pending"))
    elif request.method == "POST":
        rules.require(request.user, "approve_changes", person)
        try:
            version = services.person_approve_changes(
                person=person, by=request.user, seen=request.POST.get("seen", "")
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(
                request,
                _("Approved: the public now sees version %(number)s.") % {"number": version.number},
            )
            return redirect(reverse("staff:history", args=[person.pk]))
    person.refresh_from_db()
    latest = person.public_versions.order_by("-number").first()
    return render(
        request,
        "staff/changes_review.html",
        {
            "person": person,
            "latest": latest,
            "changes": pending_changes(person) if person.changes_pending else [],
            "seen": projection.fingerprint(projection.document(person)),
            "may_approve": may_approve,
            "approval": approval(request.user, person),
            "error": error,
        },
    )
