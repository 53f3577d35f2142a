"""Reconciliation of an outside list of released people (issue #6).

Officials (or another organisation) publish names of people they say were released. Staff
upload the list; each row is matched against the registry — an exact cédula first, then the
name through the public search's machinery (typo-tolerant, any word order) — into *matched*,
*ambiguous* or *unknown*, with the candidates and their closeness. Staff confirm or correct
each proposal; the list then becomes the names of a ReleaseClaim, in one transaction, audited
with the import as the reason. A claim changes nobody's status: only a verified release does.
"""

import dataclasses
import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import MatchStatus, ReleaseClaim, ReleaseClaimName, Source, SourceKind
from cases.services import claim_names_refresh_verified
from imports.cleaning import RowError, neutralise, parse_date
from imports.columns import RELEASE_LIST_COLUMN_SET
from imports.models import ImportJob, ImportState
from imports.progress import Progress
from imports.reader import ImportFileError
from imports.services import (
    COMMIT_LOCK,
    discard_file,
    error_entry,
    fail,
    read_records,
    start_attempt,
)
from lib.audit import audit_reason
from lib.national_id import national_id_hash, normalise_national_id
from lib.retry import TRANSIENT_DATABASE_ERRORS
from registry.models import Person, RecordState
from registry.search import normalise, search_names

# A name is proposed as matched when its closest record is this close (trigram similarity of
# the whole name, 1 = same words) and clearly closer than the next one; otherwise ambiguous.
MATCH_SCORE = 0.5
MATCH_MARGIN = 0.15
MAX_CANDIDATES = 5
NAME_MAX_LENGTH = 300
UNKNOWN, AMBIGUOUS = "unknown", "ambiguous"


def _error(number, field, message, code) -> dict:
    return error_entry(number, field, message, code, RELEASE_LIST_COLUMN_SET)


@dataclasses.dataclass(frozen=True)
class ListRow:
    number: int
    name: str
    national_id: str = ""
    national_id_hash: str = ""
    released_on: datetime.date | None = None


def clean_list_row(number: int, values: dict) -> tuple[ListRow | None, list[dict]]:
    def text(field: str) -> str:
        return " ".join(str(values.get(field) or "").split())

    errors = []
    name = text("published_name") or " ".join(
        part
        for part in (text(f) for f in ("given_names", "first_surname", "second_surname"))
        if part
    )
    if not name:
        errors.append(_error(number, "published_name", _("Give the person's name."), "required"))
    elif len(name) > NAME_MAX_LENGTH:
        errors.append(
            _error(
                number,
                "published_name",
                _("Too long: at most %(limit)s characters.") % {"limit": NAME_MAX_LENGTH},
                "too_long",
            )
        )
    national_id = digest = ""
    if text("national_id"):
        try:
            national_id = normalise_national_id(text("national_id"))
            digest = national_id_hash(national_id)
        except ValidationError:
            errors.append(
                _error(
                    number,
                    "national_id",
                    _("Enter a national id number such as V-12.345.678 or 12345678."),
                    "invalid_national_id",
                )
            )
    released_on = None
    if values.get("released_on") not in (None, ""):
        try:
            released_on = parse_date("released_on", values["released_on"])[0]
        except RowError as error:
            errors.append(_error(number, error.field, error.message, error.code))
    if errors:
        return None, errors
    return ListRow(number, neutralise(name), national_id, digest, released_on), []


def _candidate(person: Person, score: float) -> dict:
    return {
        "pk": person.pk,
        "name": person.name,
        "score": round(score, 2),
        "status": person.get_current_status_display() if person.current_status else "",
        "record_state": person.get_record_state_display(),
    }


def _by_name(people, name: str) -> list[Person]:
    """Closest records first. Every word must match; a list that adds a word the registry does
    not have (a second given name) is tried again without each word in turn."""
    found = list(search_names(people, name, limit=MAX_CANDIDATES, prefix_last=False))
    words = normalise(name)
    if found or len(words) < 3:
        return found
    best: dict[int, Person] = {}
    for left_out in range(len(words)):
        shorter = " ".join(w for i, w in enumerate(words) if i != left_out)
        for person in search_names(people, shorter, limit=MAX_CANDIDATES, prefix_last=False):
            # Closeness to the whole published name, not to the shortened query.
            if person.pk not in best or best[person.pk].closeness < person.closeness:
                best[person.pk] = person
    return sorted(best.values(), key=lambda p: (-p.closeness, p.pk))[:MAX_CANDIDATES]


def match_row(row: ListRow) -> dict:
    """The proposal for one name: matched (one clear record), ambiguous (several, or one not
    close enough) or unknown (none), with up to five candidates and their closeness."""
    people = Person.objects.exclude(record_state=RecordState.REMOVED)
    proposal = {"row": row.number, "name": row.name, "released_on": None, "method": "name"}
    if row.released_on:
        proposal["released_on"] = row.released_on.isoformat()
    if row.national_id_hash:
        same_id = list(people.filter(national_id_hash=row.national_id_hash).order_by("pk")[:5])
        if same_id:
            status = MatchStatus.MATCHED if len(same_id) == 1 else AMBIGUOUS
            return {
                **proposal,
                "method": "national_id",
                "status": status,
                "candidates": [_candidate(person, 1.0) for person in same_id],
                "decision": str(same_id[0].pk) if status == MatchStatus.MATCHED else AMBIGUOUS,
            }
    found = _by_name(people, row.name)
    candidates = [_candidate(person, person.closeness) for person in found]
    if not candidates:
        return {**proposal, "status": UNKNOWN, "candidates": [], "decision": UNKNOWN}
    best = candidates[0]["score"]
    runner_up = candidates[1]["score"] if len(candidates) > 1 else 0.0
    clear = best >= MATCH_SCORE and best - runner_up >= MATCH_MARGIN
    return {
        **proposal,
        "status": MatchStatus.MATCHED if clear else AMBIGUOUS,
        "candidates": candidates,
        "decision": str(candidates[0]["pk"]) if clear else AMBIGUOUS,
    }


def _counts(matches: list[dict], key: str) -> dict:
    counts = {MatchStatus.MATCHED.value: 0, AMBIGUOUS: 0, UNKNOWN: 0}
    for match in matches:
        value = match[key]
        counts[value if value in (AMBIGUOUS, UNKNOWN) else MatchStatus.MATCHED.value] += 1
    return counts


def list_match(*, job: ImportJob) -> ImportJob:
    """Check every row of the list and propose a match for each. Writes only the job."""
    job = ImportJob.objects.get(pk=job.pk)
    if job.state not in (ImportState.PENDING, ImportState.VALIDATING):
        return job
    start_attempt(job, ImportState.VALIDATING)
    try:
        records = read_records(job, RELEASE_LIST_COLUMN_SET)
    except ImportFileError as error:
        return fail(job, [_error(None, None, error.message, error.code)])
    rows, errors = [], []
    seen: dict[str, int] = {}
    for number, values in records:
        row, row_errors = clean_list_row(number, values)
        errors += row_errors
        if row and row.national_id_hash in seen:
            message = _("This cédula is also in row %(row)s.") % {"row": seen[row.national_id_hash]}
            errors.append(_error(number, "national_id", message, "repeated_national_id"))
        elif row:
            if row.national_id_hash:
                seen[row.national_id_hash] = number
            rows.append(row)
    matches = []
    if not errors:
        with Progress(job, total=len(rows)) as progress:
            for done, row in enumerate(rows, start=1):
                matches.append(match_row(row))
                progress(done)
    job.matches = matches
    job.errors = errors
    job.counts = {**_counts(matches, "status"), "rows_with_errors": len({e["row"] for e in errors})}
    job.rows_total = job.rows_done = len(records)
    job.state = ImportState.VALIDATED
    job.finished_at = timezone.now()
    job.save()
    return job


def decision_choices(match: dict) -> list[tuple[str, str]]:
    """What staff may decide for one name: one of its candidates, ambiguous, or unknown."""
    return [
        *((str(c["pk"]), c["name"]) for c in match["candidates"]),
        (AMBIGUOUS, _("Undecided (ambiguous)")),
        (UNKNOWN, _("Not in the registry")),
    ]


def list_confirm(*, job: ImportJob, decisions: dict[int, str], by: AbstractBaseUser) -> ImportJob:
    """Record staff's decision for every name (a candidate, ambiguous or unknown) and hand the
    job to the commit. A decision that is not one of the row's choices is refused."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not job.can_commit:
            raise ValidationError(_("Only a checked list without errors can be recorded."))
        for match in job.matches:
            decision = decisions.get(match["row"], match["decision"])
            if decision not in {value for value, _label in decision_choices(match)}:
                raise ValidationError(
                    _("Row %(row)s: choose one of the proposed records.") % {"row": match["row"]}
                )
            match["decision"] = decision
        job.counts = {**job.counts, "confirmed": _counts(job.matches, "decision")}
        job.state = ImportState.COMMITTING
        job.attempts = 0
        job.confirmed_by = by
        job.save()
    return job


def _claim_for(job: ImportJob) -> ReleaseClaim:
    if job.claim_id:
        return ReleaseClaim.objects.select_for_update().get(pk=job.claim_id)
    details = job.claim_details
    source = None
    if details.get("source_url"):
        source = Source(
            kind=SourceKind.OFFICIAL_STATEMENT,
            title=(details.get("scope") or details["claimant"])[:300],
            url=details["source_url"],
            publisher=details.get("claimant_institution", ""),
            published_on=datetime.date.fromisoformat(details["announced_on"]),
            is_confidential=False,
        )
        source.full_clean()
        source.save()
    claim = ReleaseClaim(
        announced_on=datetime.date.fromisoformat(details["announced_on"]),
        claimant=details["claimant"],
        claimant_institution=details.get("claimant_institution", ""),
        claimed_count=details.get("claimed_count") or len(job.matches),
        scope=details.get("scope", ""),
        names_published=True,
        source=source,
    )
    claim.full_clean()
    claim.save()
    return claim


def list_commit(*, job: ImportJob) -> ImportJob:
    """Record the confirmed list as the names of its release claim, all or nothing."""
    job = ImportJob.objects.get(pk=job.pk)
    if job.state != ImportState.COMMITTING:
        return job
    start_attempt(job, ImportState.COMMITTING)
    try:
        national_ids = {}
        for number, values in read_records(job, RELEASE_LIST_COLUMN_SET):
            row, _errors = clean_list_row(number, values)
            if row is not None:
                national_ids[number] = row.national_id
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [COMMIT_LOCK, job.pk])
            job.refresh_from_db()
            if job.state == ImportState.COMMITTED:
                return job
            with audit_reason(f"import #{job.pk}", import_job=job.pk, user=job.confirmed_by_id):
                claim = _claim_for(job)
                if not claim.names_published:
                    claim.names_published = True
                    claim.save(update_fields=["names_published"])
                names = []
                for match in job.matches:
                    decision = match["decision"]
                    matched = decision not in (AMBIGUOUS, UNKNOWN)
                    name = ReleaseClaimName(
                        claim=claim,
                        published_name=match["name"],
                        national_id=national_ids.get(match["row"]) or None,
                        match_status=MatchStatus.MATCHED if matched else decision,
                        person_id=int(decision) if matched else None,
                    )
                    name.set_national_id_hash()
                    name.full_clean(exclude=["claim", "person"])
                    names.append(name)
                ReleaseClaimName.objects.bulk_create(names)
                claim_names_refresh_verified(claim=claim)
            job.claim = claim
            job.state = ImportState.COMMITTED
            job.finished_at = timezone.now()
            job.save(update_fields=["claim", "state", "finished_at", "updated_at"])
    except ImportFileError as error:
        return fail(job, [_error(None, None, error.message, error.code)])
    except TRANSIENT_DATABASE_ERRORS:
        raise  # not the list's fault, and nothing was written: the task tries again
    except (ValidationError, DatabaseError):
        message = _("The list could not be recorded; nothing was written. Check it again.")
        return fail(job, [_error(None, None, message, "commit_failed")])
    discard_file(job)
    return job
