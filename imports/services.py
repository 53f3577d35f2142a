"""Bulk import of case records (issue #6): check a file, then commit it.

`import_validate` reads every row, collects every error (row number, column, translated
message) and works out what a commit would do: new records, updates of records already in the
registry, rows that change nothing, conflicts an import does not resolve, likely duplicates.
It writes only the job.

`import_commit` writes it all in one transaction (all or nothing), audited with the reason
"import #<id>": new people as drafts for verification, inserted in batches; additions to draft
or submitted records already in the registry through the same services as staff edits. A row
whose person is already in the registry with nothing new changes nothing, so importing the same
file again changes nothing. The uploaded file is deleted once committed.

Rows are matched to the registry in a few queries per file (imports.matching), not per row.
"""

import dataclasses
import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Charge,
    CustodyStay,
    Detention,
    DetentionCharge,
    LegalStage,
    Release,
    ReleaseCondition,
    Source,
)
from cases.services import detention_open, person_refresh_status, release_record
from cases.status import NewPerson, new_people_derived_fields
from imports.cleaning import NAME_FIELDS, CleanRow, Lookups, clean_row
from imports.columns import CASE_COLUMNS, ColumnSet, text_key
from imports.matching import existing_people, likely_duplicates_of
from imports.models import IN_PROGRESS_STATES, ImportJob, ImportState
from imports.progress import Progress
from imports.reader import ImportFileError, read_table
from lib.audit import audit_reason
from lib.bulk import copy_insert, reserve_ids
from lib.retry import TRANSIENT_DATABASE_ERRORS
from lib.vocabulary import Agency
from registry.models import Person, RecordState, Sex, person_slug

BATCH = 1000
# Advisory-lock namespace of a commit (with the job's id): one commit of a job at a time.
COMMIT_LOCK = 6_000_001
MAX_ATTEMPTS = 3
EDITABLE_STATES = (RecordState.DRAFT, RecordState.SUBMITTED)


def error_entry(number, field, message, code, columns: ColumnSet = CASE_COLUMNS) -> dict:
    return {
        "row": number,
        "column": columns.label(field) if field else None,
        "code": code,
        "message": str(message),
    }


def read_records(job: ImportJob, columns: ColumnSet = CASE_COLUMNS) -> list[tuple[int, dict]]:
    """(row number, {field: cell}) for every row of the job's file; ImportFileError if none."""
    if not job.file:
        raise ImportFileError(
            _("The uploaded file is no longer kept: upload it again."), "file_gone"
        )
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except OSError as error:  # deleted from the storage since the upload
        raise ImportFileError(
            _("The uploaded file is no longer kept: upload it again."), "file_gone"
        ) from error
    return list(read_table(data, job.original_name or job.file.name, columns).records())


def _clean_all(records: list[tuple[int, dict]], progress=None) -> tuple[list[CleanRow], list]:
    """Every row cleaned, and every error; a person given twice in the file is an error."""
    lookups = Lookups()
    cleaned, errors = [], []
    seen: dict[tuple, int] = {}
    for done, (number, values) in enumerate(records, start=1):
        row, row_errors = clean_row(number, values, lookups)
        errors.extend(error_entry(number, e.field, e.message, e.code) for e in row_errors)
        if row is not None:
            key = row.national_id_hash or (*row.name_key, row.detention["arrested_on"])
            if key in seen:
                if row.national_id_hash:
                    field, code = "national_id", "repeated_national_id"
                    message = _("This cédula is also in row %(row)s.")
                else:
                    field, code = "given_names", "repeated_person"
                    message = _("The same person and arrest date are also in row %(row)s.")
                errors.append(error_entry(number, field, message % {"row": seen[key]}, code))
                row = None
            else:
                seen[key] = number
        if row is not None:
            cleaned.append(row)
        if progress is not None:
            progress(done)
    return cleaned, errors


# Rows about people already in the registry ---------------------------------------------------


def _label(model, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


@dataclasses.dataclass
class Update:
    """What a row adds to a record already in the registry; conflicts are only reported."""

    row: CleanRow
    person: Person
    person_fields: dict = dataclasses.field(default_factory=dict)
    detention: Detention | None = None
    new_detention: bool = False
    detention_fields: dict = dataclasses.field(default_factory=dict)
    add_stay: bool = False
    new_charges: list[Charge] = dataclasses.field(default_factory=list)
    add_release: bool = False
    add_source: bool = False
    conflicts: list[str] = dataclasses.field(default_factory=list)

    def changes(self) -> list[str]:
        labels = [_label(Person, field) for field in self.person_fields]
        if self.new_detention:
            labels.append(_("new detention (re-arrest)"))
        labels += [_label(Detention, field) for field in self.detention_fields]
        if self.add_stay:
            labels.append(_label(CustodyStay, "facility"))
        if self.new_charges:
            labels.append(_label(Detention, "charges"))
        if self.add_release:
            labels.append(_("release (reported, not verified)"))
        if self.add_source:
            labels.append(_label(Source, "url"))
        return labels

    def clear_changes(self) -> None:
        self.person_fields, self.detention_fields, self.new_charges = {}, {}, []
        self.new_detention = self.add_stay = self.add_release = self.add_source = False

    def summary(self) -> dict:
        return {
            "row": self.row.number,
            "pk": self.person.pk,
            "name": self.person.name,
            "changes": self.changes(),
            "conflicts": self.conflicts,
        }


def _plan_person(update: Update) -> None:
    row, person = update.row, update.person
    values = row.person
    if values.get("national_id") and not person.national_id_hash:
        update.person_fields["national_id"] = values["national_id"]
    elif row.national_id_hash and row.national_id_hash != person.national_id_hash:
        update.conflicts.append(_("The registry has another cédula for this person."))
    if values["sex"] != Sex.UNKNOWN:
        if person.sex == Sex.UNKNOWN:
            update.person_fields["sex"] = values["sex"]
        elif person.sex != values["sex"]:
            update.conflicts.append(
                _("The registry gives another sex (%(value)s).")
                % {"value": person.get_sex_display()}
            )
    born = values.get("birth_date")
    if born and person.birth_date is None and person.birth_year in (None, born.year):
        update.person_fields["birth_date"] = born
    elif born and person.birth_date != born:
        update.conflicts.append(_("The registry gives another birth date or year."))
    year = values.get("birth_year")
    if year and not (person.birth_year or person.birth_date):
        update.person_fields["birth_year"] = year
    elif year and person.birth_year != year:
        update.conflicts.append(_("The registry gives another birth date or year."))
    for field in ("nationalities", "categories"):
        missing = set(values[field]) - set(getattr(person, field))
        if missing:
            update.person_fields[field] = sorted({*getattr(person, field), *missing})
    notes = values.get("private_notes")
    if notes and notes not in (person.private_notes or ""):
        update.person_fields["private_notes"] = "\n\n".join(
            part for part in (person.private_notes, notes) if part
        )


def _plan_detention(update: Update) -> None:
    row, person = update.row, update.person
    arrested = row.detention["arrested_on"]
    detentions = list(person.detentions.all())
    detention = next((d for d in detentions if d.arrested_on == arrested), None)
    if detention is None:
        current = next((d for d in detentions if d.is_open), None)
        if current is not None:
            update.conflicts.append(
                _("The registry has an open detention since %(date)s, not the row's arrest date.")
                % {"date": current.arrested_on.isoformat()}
            )
        elif any(d.ended_on and d.ended_on > arrested for d in detentions):
            update.conflicts.append(
                _("The row's arrest date falls within an earlier detention in the registry.")
            )
        else:
            update.new_detention = True
            update.add_release = row.release is not None
        return
    update.detention = detention
    for field in ("arrest_place", "arrest_state"):
        value = row.detention.get(field)
        if value and not getattr(detention, field):
            update.detention_fields[field] = value
        elif value and text_key(value) != text_key(getattr(detention, field)):
            update.conflicts.append(
                _("The registry gives another %(field)s.") % {"field": _label(Detention, field)}
            )
    agency = row.detention["arresting_agency"]
    if agency != Agency.UNKNOWN and agency != detention.arresting_agency:
        if detention.arresting_agency == Agency.UNKNOWN:
            update.detention_fields["arresting_agency"] = agency
        else:
            update.conflicts.append(
                _("The registry gives another arresting agency (%(value)s).")
                % {"value": detention.get_arresting_agency_display()}
            )
    stage = row.detention.get("legal_stage")
    if stage and stage != detention.legal_stage:
        if detention.legal_stage == LegalStage.NO_CHARGES:
            update.detention_fields["legal_stage"] = stage
        else:
            update.conflicts.append(
                _("The registry gives another legal stage (%(value)s).")
                % {"value": detention.get_legal_stage_display()}
            )
    if row.facility is not None:
        stays = list(detention.stays.all())
        if not stays and detention.is_open:
            update.add_stay = True
        elif all(stay.facility_id != row.facility.pk for stay in stays):
            update.conflicts.append(
                _("The registry does not place this detention at %(facility)s.")
                % {"facility": row.facility.name}
            )
    charged = {item.charge_id for item in detention.detention_charges.all()}
    update.new_charges = [charge for charge in row.charges if charge.pk not in charged]
    if row.release is not None:
        release = getattr(detention, "release", None)
        if release is None:
            update.add_release = True
        elif release.released_on != row.release["released_on"]:
            update.conflicts.append(
                _("The registry gives another release date (%(date)s).")
                % {"date": release.released_on.isoformat()}
            )


def plan_update(row: CleanRow, person: Person) -> Update:
    """What `row` would add to `person` (with detentions, stays, charges, release and sources
    prefetched), and what it contradicts. A verified or published record is never changed."""
    update = Update(row=row, person=person)
    _plan_person(update)
    _plan_detention(update)
    if row.source and all(source.url != row.source["url"] for source in person.sources.all()):
        update.add_source = True
    if person.record_state not in EDITABLE_STATES and update.changes():
        update.conflicts.insert(
            0,
            _(
                "The record is %(state)s: an import does not change it. Enter by hand, if "
                "right: %(changes)s."
            )
            % {
                "state": person.get_record_state_display().lower(),
                "changes": ", ".join(update.changes()),
            },
        )
        update.clear_changes()
    return update


def _with_history(pks: list[int]) -> dict[int, Person]:
    detentions = Detention.objects.select_related("release").prefetch_related(
        "stays", "detention_charges"
    )
    found = Person.objects.filter(pk__in=pks).prefetch_related(
        Prefetch("detentions", queryset=detentions), "sources"
    )
    return {person.pk: person for person in found}


@dataclasses.dataclass
class Plan:
    new: list[CleanRow]
    updates: list[Update]  # rows that add to a record or contradict it
    unchanged: int  # rows about records already there that change nothing


def plan_rows(rows: list[CleanRow]) -> Plan:
    """The rows about new people, and what the others would change on records already there.

    Records already there are read with their case data a batch at a time, and only the rows
    that change or contradict something are kept (a re-import of a large file stays small).
    """
    existing = existing_people(rows)
    plan = Plan(new=[row for row in rows if row.number not in existing], updates=[], unchanged=0)
    known = [row for row in rows if row.number in existing]
    for start in range(0, len(known), BATCH):
        chunk = known[start : start + BATCH]
        people = _with_history(sorted({existing[row.number] for row in chunk}))
        for row in chunk:
            update = plan_update(row, people[existing[row.number]])
            if update.changes() or update.conflicts:
                plan.updates.append(update)
            else:
                plan.unchanged += 1
    return plan


# Writing --------------------------------------------------------------------------------------


def _new_person(row: CleanRow, by_id: int) -> dict:
    """The person's row, but for the fields derived from the case data (see _insert_chunk)."""
    values = dict(row.person)
    if values.get("birth_date"):
        values["birth_year"] = values["birth_date"].year
    full_name = " ".join(values[field] for field in NAME_FIELDS if values[field])
    return {
        **values,
        "national_id": values.get("national_id") or None,
        "national_id_hash": row.national_id_hash,
        "slug": person_slug(full_name),
        "record_state": RecordState.DRAFT,
        "created_by_id": by_id,
        "last_edited_by_id": by_id,
    }


def _insert_chunk(rows: list[CleanRow], by_id: int) -> None:
    """New people and their case data, COPY per table (lib.bulk). clean_row has checked
    every value; the database's constraints refuse anything else, with the whole import.

    The case data goes first, under person ids reserved for it (foreign keys are checked at
    commit); the people last, with the fields the status rules' set-based SQL (cases.status)
    derives from it: status, place, detained since, minor at detention. So each person is
    written once, with its final values: one audited insert, at version 1.
    """
    people = reserve_ids(Person, len(rows))
    detentions = copy_insert(
        Detention,
        [{**row.detention, "person_id": pk} for row, pk in zip(rows, people, strict=True)],
    )
    stays, charges, sources, releases, released = [], [], [], [], []
    for row, person_id, detention_id in zip(rows, people, detentions, strict=True):
        if row.facility is not None:
            stays.append(
                {
                    "detention_id": detention_id,
                    "facility_id": row.facility.pk,
                    "started_on": row.detention["arrested_on"],
                    "started_on_precision": row.detention["arrested_on_precision"],
                }
            )
        charges += [{"detention_id": detention_id, "charge_id": c.pk} for c in row.charges]
        if row.source:
            sources.append({**row.source, "person_id": person_id})
        if row.release:
            releases.append({**row.release, "detention_id": detention_id})
            released.append(row)
    copy_insert(CustodyStay, stays)
    copy_insert(DetentionCharge, charges)
    copy_insert(Source, sources)
    release_ids = copy_insert(Release, releases)
    copy_insert(
        ReleaseCondition,
        [
            {**dataclasses.asdict(spec), "release_id": release_id}
            for row, release_id in zip(released, release_ids, strict=True)
            for spec in row.conditions
        ],
    )
    new_people = [_new_person(row, by_id) for row in rows]
    derived = new_people_derived_fields(
        NewPerson(pk, values.get("birth_date"), values.get("birth_year"))
        for pk, values in zip(people, new_people, strict=True)
    )
    copy_insert(
        Person,
        [{**values, **derived[pk]} for pk, values in zip(people, new_people, strict=True)],
        ids=people,
    )


def _insert_new(rows: list[CleanRow], by: AbstractBaseUser, progress: Progress) -> None:
    for start in range(0, len(rows), BATCH):
        _insert_chunk(rows[start : start + BATCH], by.pk)
        progress(start + len(rows[start : start + BATCH]))


def apply_update(update: Update, by: AbstractBaseUser) -> None:
    """Add what `update` found to a draft or submitted record, through the usual services."""
    row = update.row
    person = Person.objects.select_for_update().get(pk=update.person.pk)
    for field, value in update.person_fields.items():
        setattr(person, field, value)
    person.last_edited_by = by
    person.full_clean()
    person.save()
    detention = update.detention
    if update.new_detention:
        detention = detention_open(person=person, facility=row.facility, **row.detention)
        update.new_charges = list(row.charges)
    elif detention is not None:
        for field, value in update.detention_fields.items():
            setattr(detention, field, value)
        if update.detention_fields:
            detention.full_clean()
            detention.save(update_fields=list(update.detention_fields))
        if update.add_stay:
            stay = CustodyStay(
                detention=detention,
                facility=row.facility,
                started_on=detention.arrested_on,
                started_on_precision=detention.arrested_on_precision,
            )
            stay.full_clean()
            stay.save()
    for charge in update.new_charges:
        DetentionCharge.objects.create(detention=detention, charge=charge)
    if update.add_release:
        release_record(detention=detention, conditions=tuple(row.conditions), **row.release)
    if update.add_source:
        source = Source(person=person, **row.source)
        source.full_clean()
        source.save()
    person_refresh_status(person=person)


# The job ---------------------------------------------------------------------------------------


def fail(job: ImportJob, errors: list[dict]) -> ImportJob:
    job.state = ImportState.FAILED
    job.errors = errors
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "errors", "finished_at", "updated_at"])
    discard_file(job)
    return job


def discard_file(job: ImportJob) -> None:
    """The uploaded file may hold cédulas: it is kept only while the job needs it."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def start_attempt(job: ImportJob, state: str) -> ImportJob:
    job.state = state
    job.attempts += 1
    job.save(update_fields=["state", "attempts", "updated_at"])
    return job


def import_validate(*, job: ImportJob) -> ImportJob:
    """Dry run: check every row and say what a commit would do. Writes only the job."""
    job = ImportJob.objects.get(pk=job.pk)
    if job.state not in (ImportState.PENDING, ImportState.VALIDATING):
        return job  # already checked: nothing to do
    start_attempt(job, ImportState.VALIDATING)
    try:
        records = read_records(job)
    except ImportFileError as error:
        return fail(job, [error_entry(None, None, error.message, error.code)])
    with Progress(job, total=len(records)) as progress:
        cleaned, errors = _clean_all(records, progress)
    plan = plan_rows(cleaned)
    duplicates = likely_duplicates_of(plan.new)
    job.counts = {
        "new": len(plan.new),
        "updated": sum(1 for u in plan.updates if u.changes()),
        "unchanged": plan.unchanged,
        "conflicts": sum(1 for u in plan.updates if u.conflicts),
        "likely_duplicates": len(duplicates),
        "rows_with_errors": len({e["row"] for e in errors}),
        "duplicates": [{"row": number, "people": people} for number, people in duplicates.items()],
        "updates": [u.summary() for u in plan.updates],
    }
    job.rows_total = job.rows_done = len(records)
    job.errors = errors
    job.state = ImportState.VALIDATED
    job.finished_at = timezone.now()
    job.save()
    return job


def import_commit(*, job: ImportJob, by: AbstractBaseUser) -> ImportJob:
    """Write a checked file in one transaction: all rows or none."""
    job = ImportJob.objects.get(pk=job.pk)
    if job.state == ImportState.COMMITTED:
        return job
    if job.state not in (ImportState.VALIDATED, ImportState.COMMITTING) or job.errors:
        raise ValidationError(
            _("Only a checked file without errors can be imported."), code="not_ready"
        )
    start_attempt(job, ImportState.COMMITTING)
    try:
        records = read_records(job)
        with Progress(job, total=len(records)) as progress, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [COMMIT_LOCK, job.pk])
            job.refresh_from_db()
            if job.state == ImportState.COMMITTED:
                return job  # another delivery of the task got here first
            cleaned, errors = _clean_all(records)
            if errors:
                raise ValidationError(
                    _("The file no longer passes the checks: check it again."), code="changed"
                )
            plan = plan_rows(cleaned)
            changed = [update for update in plan.updates if update.changes()]
            # The worker has no request: the audit trail (and so the two-person rule, which
            # reads it) learns who imported from here.
            with audit_reason(f"import #{job.pk}", import_job=job.pk, user=by.pk):
                _insert_new(plan.new, by, progress)
                for done, update in enumerate(changed, start=len(plan.new) + 1):
                    apply_update(update, by)
                    progress(done)
            job.state = ImportState.COMMITTED
            job.counts = {
                **job.counts,
                "created": len(plan.new),
                "updated_at_commit": len(changed),
                "unchanged_at_commit": len(cleaned) - len(plan.new) - len(changed),
            }
            job.rows_done = job.rows_total = len(records)
            job.finished_at = timezone.now()
            job.save(
                update_fields=[
                    "state",
                    "counts",
                    "rows_done",
                    "rows_total",
                    "finished_at",
                    "updated_at",
                ]
            )
    except ImportFileError as error:
        return fail(job, [error_entry(None, None, error.message, error.code)])
    except ValidationError as error:
        return fail(job, [error_entry(None, None, " ".join(error.messages), "commit_failed")])
    except TRANSIENT_DATABASE_ERRORS:
        raise  # not the file's fault, and nothing was written: the task tries again
    except DatabaseError:
        message = _("The database refused the import; nothing was written. Check the file again.")
        return fail(job, [error_entry(None, None, message, "commit_failed")])
    discard_file(job)
    return job


# Jobs whose worker died ---------------------------------------------------------------------------


def import_sweep(*, now: datetime.datetime | None = None) -> list[ImportJob]:
    """Jobs in progress whose row has not moved for IMPORT_STALE_SECONDS lost their worker
    (killed, machine restarted): nothing of theirs was written, since a commit is one
    transaction. Returned to be queued again, up to MAX_ATTEMPTS; then marked failed. Also
    deletes the files of jobs that were checked but never committed, after a retention time."""
    now = now or timezone.now()
    stale = ImportJob.objects.filter(
        state__in=IN_PROGRESS_STATES,
        updated_at__lt=now - datetime.timedelta(seconds=settings.IMPORT_STALE_SECONDS),
    )
    retry = []
    for job in stale:
        if job.attempts >= MAX_ATTEMPTS:
            message = _(
                "The background worker stopped %(count)s times while working on this file; "
                "nothing was written. Upload it again, or split it into smaller files."
            ) % {"count": job.attempts}
            fail(job, [error_entry(None, None, message, "worker_lost")])
        else:
            job.save(update_fields=["updated_at"])  # not queued again by the next sweep
            retry.append(job)
    kept_until = now - datetime.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    for job in ImportJob.objects.filter(state=ImportState.VALIDATED, created_at__lt=kept_until):
        discard_file(job)
    return retry
