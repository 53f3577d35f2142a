"""Monthly snapshots: frozen once, never changed, corrected only by visible revisions."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cases import services as case_services
from stats import services, tasks
from stats.models import MonthlySnapshot
from tests import factories
from tests.stats.helpers import release

pytestmark = pytest.mark.django_db

D = datetime.date
JANUARY = D(2026, 1, 1)
TODAY = D(2026, 2, 10)


def reported_detained(on: datetime.date, **place):
    """A published person detained on that day, approved: in the public figures from now."""
    person = factories.published_person()
    factories.detained(person, on=on, **place)
    return factories.approved(person)


@pytest.fixture
def january():
    prison = factories.facility(name="Penal de enero")
    for day in (D(2025, 12, 20), D(2026, 1, 5)):
        reported_detained(day, place=prison)
    released = factories.published_person()
    release(factories.detained(released, on=D(2025, 11, 1), place=prison), D(2026, 1, 15))
    factories.approved(released)
    return prison


def test_freezing_a_month_keeps_its_figures_at_a_permanent_address(client, january):
    result = services.monthly_snapshot_freeze(month=JANUARY, today=TODAY)
    snapshot = result.snapshot
    assert result.created and snapshot.revision == 0
    figures = snapshot.figures
    assert figures["as_of"] == "2026-01-31"
    assert figures["in_custody"] == 2
    assert figures["status_counts"]["released"] == 1
    assert (figures["arrests"], figures["releases"]) == (1, 1)
    assert len(figures["days"]) == 31
    assert figures["breakdowns"]["facility"] == [
        {"key": str(january.pk), "count": 2, "name": "Penal de enero"}
    ]
    assert snapshot.get_absolute_url() == "/estadisticas/instantaneas/2026-01/"

    page = client.get("/en/estadisticas/instantaneas/2026-01/")
    assert page.status_code == 200
    assert "Figures for January 2026" in page.content.decode()
    assert "Penal de enero" in page.content.decode()
    csv_text = client.get("/estadisticas/instantaneas/2026-01/datos.csv").content.decode()
    assert "statuses,detained,count,2" in csv_text
    assert "snapshot,,month,2026-01" in csv_text


def test_freezing_again_changes_nothing_and_says_when_figures_moved(january):
    first = services.monthly_snapshot_freeze(month=JANUARY, today=TODAY).snapshot
    again = services.monthly_snapshot_freeze(month=JANUARY, today=TODAY, check=True)
    assert not again.created and not again.differs and again.snapshot == first

    # A detention reported late, in January: January's figures move.
    reported_detained(D(2026, 1, 20))
    checked = services.monthly_snapshot_freeze(month=JANUARY, today=TODAY, check=True)
    assert checked.differs and not checked.created
    unchanged = MonthlySnapshot.objects.get(pk=first.pk)
    assert unchanged.figures == first.figures  # never silently changed

    with pytest.raises(ValidationError):
        services.monthly_snapshot_freeze(month=JANUARY, today=TODAY, revise=True)
    revised = services.monthly_snapshot_freeze(
        month=JANUARY, today=TODAY, revise=True, reason="Una detención de enero informada tarde."
    ).snapshot
    assert (revised.revision, revised.corrects, revised.figures["in_custody"]) == (1, first, 3)
    assert revised.get_absolute_url() == "/estadisticas/instantaneas/2026-01/r1/"
    # Nothing changed since revision 1: no revision 2.
    same = services.monthly_snapshot_freeze(
        month=JANUARY, today=TODAY, revise=True, reason="Otra vez"
    )
    assert not same.created and MonthlySnapshot.objects.count() == 2


def test_the_original_page_points_to_its_correction(client, january):
    services.monthly_snapshot_freeze(month=JANUARY, today=TODAY)
    reported_detained(D(2026, 1, 20))
    services.monthly_snapshot_freeze(
        month=JANUARY, today=TODAY, revise=True, reason="Late report of an arrest."
    )
    original = client.get("/en/estadisticas/instantaneas/2026-01/").content.decode()
    assert "These figures were corrected later" in original
    assert 'href="/en/estadisticas/instantaneas/2026-01/r1/"' in original
    revision = client.get("/en/estadisticas/instantaneas/2026-01/r1/").content.decode()
    assert "Late report of an arrest." in revision
    assert "This revision corrects" in revision
    listing = client.get("/en/estadisticas/instantaneas/").content.decode()
    assert "revision 1" in listing
    assert client.get("/estadisticas/instantaneas/2026-01/r0/").status_code == 301
    assert client.get("/estadisticas/instantaneas/2026-01/r7/").status_code == 404
    assert client.get("/estadisticas/instantaneas/2026-13/").status_code == 404
    assert client.get("/estadisticas/instantaneas/2025-12/").status_code == 404


def test_the_database_refuses_to_change_or_delete_a_snapshot(january):
    snapshot = services.monthly_snapshot_freeze(month=JANUARY, today=TODAY).snapshot
    for statement in (
        "UPDATE stats_monthlysnapshot SET figures = '{}'::jsonb",
        "DELETE FROM stats_monthlysnapshot",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(DatabaseError), transaction.atomic():
        MonthlySnapshot.objects.filter(pk=snapshot.pk).update(reason="cambio")
    with pytest.raises(ValidationError):
        snapshot.save()
    with pytest.raises(ValidationError):
        snapshot.delete()
    assert MonthlySnapshot.objects.get(pk=snapshot.pk).figures == snapshot.figures


def test_a_month_that_is_not_over_cannot_be_frozen():
    with pytest.raises(ValidationError):
        services.monthly_snapshot_freeze(month=D(2026, 2, 1), today=TODAY)


def test_the_command_and_the_beat_task(january, capsys):
    call_command("freeze_monthly_snapshot", "--month", "2025-12")
    assert "Frozen 2025-12" in capsys.readouterr().out
    call_command("freeze_monthly_snapshot", "--month", "2025-12")
    assert "unchanged" in capsys.readouterr().out
    late = factories.published_person()
    release(case_services.detention_open(person=late, arrested_on=D(2025, 12, 2)), D(2025, 12, 3))
    factories.approved(late)
    call_command("freeze_monthly_snapshot", "--month", "2025-12")
    assert "--revise" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("freeze_monthly_snapshot", "--month", "2025-12", "--revise")
    with pytest.raises(CommandError):
        call_command("freeze_monthly_snapshot", "--month", "diciembre")
    call_command("freeze_monthly_snapshot", "--month", "2025-12", "--revise", "--reason", "Tarde")
    assert "Frozen 2025-12 r1" in capsys.readouterr().out

    # The beat task freezes last month once.
    assert tasks.freeze_previous_month() == tasks.freeze_previous_month()
    last_month = services.previous_month(timezone.localdate())
    assert MonthlySnapshot.objects.filter(month=last_month).count() == 1
