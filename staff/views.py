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
from django.views.decorators.http import require_http_methods, require_safe

from cases import rules, services
from cases.history import changes_under_review, person_history
from cases.models import Release
from registry.models import Person, RecordState
from registry.private_data import can_see_private_data, log_private_read

TRANSITIONS = {
    # url word: (service, rule (cases/rules.py), needs a reason, button label)
    "enviar": (services.person_submit, "submit_person", False, _("Submit for verification")),
    "verificar": (services.person_verify, "verify_person", False, _("Verify")),
    "publicar": (services.person_publish, "publish_person", False, _("Publish")),
    "despublicar": (services.person_unpublish, "unpublish_person", True, _("Unpublish")),
    "retirar": (services.person_remove, "remove_person", True, _("Take down")),
}
RELEASE_TRANSITIONS = {
    "verificar": (services.release_verify, "verify_release", False, _("Verify the release")),
    "anular-verificacion": (
        services.release_unverify,
        "unverify_release",
        True,
        _("Withdraw the verification"),
    ),
}
# The approval a record waits for, by state: the record page says who may give it.
NEXT_APPROVAL = {
    RecordState.SUBMITTED: ("verify_person", _("Verification")),
    RecordState.VERIFIED: ("publish_person", _("Publication")),
    RecordState.UNPUBLISHED: ("publish_person", _("Publication")),
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
        for word, (_service, step, _reason, label) in TRANSITIONS.items()
        if rules.may(user, step, person)
    ]


def _staff_names(users) -> str:
    return ", ".join(user.get_full_name() or user.username for user in users)


def approval(user, person: Person) -> dict | None:
    """Who may give the approval the record waits for and, if not the user, why not."""
    if person.record_state == RecordState.PUBLISHED and person.changes_pending:
        step, label = "approve_changes", _("Approval of the changes")
    elif person.record_state in NEXT_APPROVAL:
        step, label = NEXT_APPROVAL[person.record_state]
    else:
        return None
    return {
        "label": label,
        "who": _staff_names(rules.who_may(step, person)),
        "refusal": rules.refusal(user, step, person),
    }


def _releases(user, person: Person) -> list[dict]:
    """The record's releases, each with what the user may do about its verification."""
    releases = Release.objects.filter(detention__person=person).select_related("verified_by")
    items = []
    for release in releases.order_by("released_on", "pk"):
        step = "unverify_release" if release.verified else "verify_release"
        word = "anular-verificacion" if release.verified else "verificar"
        allowed = rules.may(user, step, release)
        items.append(
            {
                "release": release,
                "action": (word, RELEASE_TRANSITIONS[word][3]) if allowed else None,
                "refusal": None if allowed else rules.refusal(user, step, release),
                "who": "" if release.verified else _staff_names(rules.who_may(step, release)),
            }
        )
    return items


@login_required
@require_safe
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
    with rules.evaluating_together():
        items = [
            {
                "person": person,
                "changes": changes_under_review(person),
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
@require_safe
@permission_required("registry.view_history", raise_exception=True)
def record_history(request, pk: int):
    person = get_object_or_404(Person, pk=pk)
    entries = person_history(person)
    show_private = can_see_private_data(request)
    if show_private and any(change.private for entry in entries for change in entry.changes):
        log_private_read(request, person, fields=["history"])
    users = get_user_model().objects.in_bulk({entry.user_id for entry in entries if entry.user_id})
    with rules.evaluating_together():
        context = {
            "person": person,
            "entries": entries,
            "users": users,
            "show_private": show_private,
            "transitions": _available_transitions(request.user, person),
            "may_merge": rules.may(request.user, "merge_person", person),
            "approval": approval(request.user, person),
            "releases": _releases(request.user, person),
        }
    return render(request, "staff/history.html", context)


def _run_transition(request, obj, person: Person, transition: tuple, kwarg: str):
    """The form of a workflow step on `obj` (a record or one of its facts): GET shows it, POST
    runs the service; a refused step answers 403 saying why."""
    service, step, needs_reason, label = transition
    rules.require(request.user, step, obj)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if needs_reason:
                service(**{kwarg: obj}, by=request.user, reason=reason)
            else:
                service(**{kwarg: obj}, by=request.user, note=reason)
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
def person_transition(request, pk: int, transition: str):
    if transition not in TRANSITIONS:
        raise PermissionDenied
    person = get_object_or_404(Person, pk=pk)
    return _run_transition(request, person, person, TRANSITIONS[transition], "person")


@login_required
@require_http_methods(["GET", "POST"])
def release_transition(request, pk: int, transition: str):
    if transition not in RELEASE_TRANSITIONS:
        raise PermissionDenied
    release = get_object_or_404(Release.objects.select_related("detention__person"), pk=pk)
    person = release.detention.person
    return _run_transition(request, release, person, RELEASE_TRANSITIONS[transition], "release")


@login_required
@require_http_methods(["GET", "POST"])
def person_merge_view(request, pk: int):
    survivor = get_object_or_404(Person, pk=pk)
    rules.require(request.user, "merge_person", survivor)
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


@require_safe
def admin_login_redirect(request):
    """The admin has no login form of its own: staff sign in through allauth (second factor
    and lockout included), then come back."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(reverse("account_login") + "?" + urlencode({"next": next_url}))
