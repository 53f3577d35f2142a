"""Staff pages: small function views with decorators (DESIGN §5.7). Deny by default."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from cases import services
from registry.models import Person, RecordState
from registry.private_data import can_see_private_data, log_private_read
from staff.history import changed_since_verification, person_history

TRANSITIONS = {
    # url word: (service, permission, needs a reason, button label)
    "enviar": (
        services.person_submit,
        "registry.submit_person_rule",
        False,
        _("Submit for verification"),
    ),
    "verificar": (services.person_verify, "registry.verify_person_rule", False, _("Verify")),
    "publicar": (services.person_publish, "registry.publish_person_rule", False, _("Publish")),
    "despublicar": (
        services.person_unpublish,
        "registry.unpublish_person_rule",
        True,
        _("Unpublish"),
    ),
    "retirar": (services.person_remove, "registry.remove_person_rule", True, _("Take down")),
}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the record's history."),
    )


class MergeForm(forms.Form):
    duplicate_public_id = forms.CharField(
        label=_("Public id of the duplicate record"), max_length=10, min_length=10
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_duplicate_public_id(self) -> Person:
        public_id = self.cleaned_data["duplicate_public_id"].strip().lower()
        person = Person.objects.filter(public_id=public_id).first()
        if person is None:
            raise ValidationError(_("No record has this public id."))
        return person


def _available_transitions(user, person: Person) -> list[tuple[str, str]]:
    return [
        (word, label)
        for word, (_service, permission, _reason, label) in TRANSITIONS.items()
        if user.has_perm(permission, person)
    ]


@login_required
def verification_queue(request):
    """Submitted records, oldest first, with what changed since they were last verified.

    `?estado=borrador` lists drafts instead (what documentalistas still have to submit), and
    `&importacion=<id>` only the drafts an import created.
    """
    drafts = request.GET.get("estado") == "borrador"
    # Documentalistas see the drafts (theirs to complete and submit), not the verifiers' queue.
    if not request.user.has_perm("registry.view_person" if drafts else "registry.view_queue"):
        raise PermissionDenied
    records = Person.objects.filter(
        record_state=RecordState.DRAFT if drafts else RecordState.SUBMITTED
    ).order_by("state_changed_at", "created_at", "pk")
    import_id = request.GET.get("importacion", "")
    if drafts and import_id.isdigit():
        created_by_import = Person.audit_rows.field.model.objects.filter(
            pgh_label="insert", pgh_context__metadata__import_job=int(import_id)
        ).values("pgh_obj_id")
        records = records.filter(pk__in=created_by_import)
    page = Paginator(records, 25).get_page(request.GET.get("page"))
    items = [
        {
            "person": person,
            "changes": changed_since_verification(person),
            "transitions": _available_transitions(request.user, person),
        }
        for person in page.object_list
    ]
    return render(
        request,
        "staff/queue.html",
        {
            "items": items,
            "page_obj": page,
            "drafts": drafts,
            "import_id": import_id if drafts and import_id.isdigit() else "",
        },
    )


@login_required
@permission_required("registry.view_history", raise_exception=True)
def record_history(request, pk: int):
    person = get_object_or_404(Person, pk=pk)
    entries = person_history(person)
    show_private = can_see_private_data(request)
    if show_private and any(change.private for entry in entries for change in entry.changes):
        log_private_read(request, person, fields=["history"])
    users = get_user_model().objects.in_bulk({entry.user_id for entry in entries if entry.user_id})
    return render(
        request,
        "staff/history.html",
        {
            "person": person,
            "entries": entries,
            "users": users,
            "show_private": show_private,
            "transitions": _available_transitions(request.user, person),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_transition(request, pk: int, transition: str):
    if transition not in TRANSITIONS:
        raise PermissionDenied
    service, permission, needs_reason, label = TRANSITIONS[transition]
    person = get_object_or_404(Person, pk=pk)
    if not request.user.has_perm(permission, person):
        raise PermissionDenied
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if needs_reason:
                service(person=person, by=request.user, reason=reason)
            else:
                service(person=person, by=request.user, note=reason)
        except ValidationError as error:
            for message in error.messages:
                form.add_error("reason" if needs_reason else None, message)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": label})
            return redirect(reverse("staff:history", args=[person.pk]))
    return render(
        request,
        "staff/transition.html",
        {"person": person, "form": form, "label": label, "needs_reason": needs_reason},
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_merge_view(request, pk: int):
    survivor = get_object_or_404(Person, pk=pk)
    if not request.user.has_perm("registry.merge_person_rule", survivor):
        raise PermissionDenied
    form = MergeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_merge(
                survivor=survivor,
                duplicate=form.cleaned_data["duplicate_public_id"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The records were merged."))
            return redirect(reverse("staff:history", args=[survivor.pk]))
    return render(request, "staff/merge.html", {"person": survivor, "form": form})


def admin_login_redirect(request):
    """The admin has no login form of its own: staff sign in through allauth (second factor
    and lockout included), then come back."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(reverse("account_login") + "?" + urlencode({"next": next_url}))
