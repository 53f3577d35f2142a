"""The reconciliation report of a release claim, for staff: how many were claimed, how many of
the names match a record, how many of those releases the registry has verified, and who the
registry still counts as detained that the list does not name."""

import dataclasses

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cases.models import MatchStatus, ReleaseClaim, ReleaseClaimName
from lib.vocabulary import IN_CUSTODY_STATUSES
from registry.models import Person, RecordState

NOT_LISTED_SHOWN = 200


@dataclasses.dataclass
class ClaimReport:
    claim: ReleaseClaim
    names: list[ReleaseClaimName]
    claimed: int
    listed: int
    matched: int
    matched_verified: int
    matched_in_custody: int
    ambiguous: int
    unknown: int
    pending: int
    not_listed_count: int
    not_listed: list[Person]  # the first NOT_LISTED_SHOWN, for the page
    not_listed_all: QuerySet  # every one, for the CSV file

    @property
    def unaccounted(self) -> int:
        """Claimed releases the registry cannot confirm by name."""
        return max(self.claimed - self.matched_verified, 0)


def claim_report(claim: ReleaseClaim) -> ClaimReport:
    names = list(claim.names.select_related("person", "person__current_facility").order_by("id"))
    matched = [n for n in names if n.match_status == MatchStatus.MATCHED]
    by_status = {
        status: sum(1 for n in names if n.match_status == status) for status in MatchStatus
    }
    # "Our detained": every record not taken down whose status is in custody, published or not.
    in_custody = (
        Person.objects.exclude(record_state=RecordState.REMOVED)
        .in_custody()
        .exclude(pk__in=[n.person_id for n in matched])
        .select_related("current_facility")
        .order_by("first_surname", "second_surname", "given_names", "pk")
    )
    return ClaimReport(
        claim=claim,
        names=names,
        claimed=claim.claimed_count,
        listed=len(names),
        matched=len(matched),
        matched_verified=sum(1 for n in matched if n.verified_released),
        matched_in_custody=sum(
            1 for n in matched if n.person.current_status in IN_CUSTODY_STATUSES
        ),
        ambiguous=by_status[MatchStatus.AMBIGUOUS],
        unknown=by_status[MatchStatus.UNKNOWN],
        pending=by_status[MatchStatus.PENDING],
        not_listed_count=in_custody.count(),
        not_listed=list(in_custody[:NOT_LISTED_SHOWN]),
        not_listed_all=in_custody,
    )


def report_rows(report: ClaimReport) -> list[list]:
    """The report as table rows (CSV): the figures, the names on the list, then the people in
    custody the list does not name. No cédula and no private field."""
    rows: list[list] = [
        [_("Figure"), _("Count")],
        [_("Claimed released"), report.claimed],
        [_("Names on the list"), report.listed],
        [_("Matched to a record"), report.matched],
        [_("Matched, release verified"), report.matched_verified],
        [_("Matched, still in custody in the registry"), report.matched_in_custody],
        [_("Ambiguous names"), report.ambiguous],
        [_("Names unknown to the registry"), report.unknown],
        [_("Claimed, not verified by name"), report.unaccounted],
        [_("In custody in the registry, not on the list"), report.not_listed_count],
        [],
        [_("Name as published"), _("Match"), _("Record"), _("Status"), _("Release verified")],
    ]
    for name in report.names:
        person = name.person
        rows.append(
            [
                name.published_name,
                name.get_match_status_display(),
                person.name if person else "",
                person.get_current_status_display() if person and person.current_status else "",
                _("yes") if name.verified_released else _("no"),
            ]
        )
    rows += [[], [_("In custody, not on the list"), _("Status"), _("Facility")]]
    for person in report.not_listed_all.iterator(chunk_size=2000):
        rows.append(
            [
                person.name,
                person.get_current_status_display(),
                person.current_facility.name if person.current_facility else "",
            ]
        )
    return rows
