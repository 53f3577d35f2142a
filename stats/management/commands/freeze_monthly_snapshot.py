"""Freeze a month's public figures as an immutable, citable snapshot.

    manage.py freeze_monthly_snapshot                      # last month, if not frozen yet
    manage.py freeze_monthly_snapshot --month 2026-01      # that month (it must be over)
    manage.py freeze_monthly_snapshot --month 2026-01 --revise --reason "Late reports of ..."

A frozen month is never changed. When the figures computed now differ from the latest
revision (data corrected or reported late), `--revise` records a new revision that points to
the one it corrects, with the reason; the earlier ones stay at their addresses.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from stats import services


def parse_month(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError as error:
        raise CommandError(f"--month must look like 2026-01, not {text!r}.") from error


class Command(BaseCommand):
    help = "Freeze a month's public figures (or record a revision of them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", type=parse_month, help="YYYY-MM; default: last month.")
        parser.add_argument(
            "--revise",
            action="store_true",
            help="Record a new revision when the figures changed since the latest one.",
        )
        parser.add_argument("--reason", default="", help="Why the revision corrects the figures.")

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        month = options["month"] or services.previous_month(today)
        if options["revise"] and not options["reason"].strip():
            raise CommandError("--revise needs --reason: say what was corrected and why.")
        try:
            result = services.monthly_snapshot_freeze(
                month=month,
                revise=options["revise"],
                reason=options["reason"],
                check=True,
                today=today,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        snapshot = result.snapshot
        if result.created:
            self.stdout.write(f"Frozen {snapshot}: {snapshot.get_absolute_url()}")
        elif result.differs:
            self.stdout.write(
                f"{snapshot} is frozen already, and the figures have changed since: run again "
                "with --revise --reason '...' to record a revision."
            )
        else:
            self.stdout.write(f"{snapshot} is frozen already and the figures are unchanged.")
