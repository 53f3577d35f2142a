"""The public statistics pages, their CSV downloads, and the promise that a count for today
is the count of the public list with the same filters."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import ConditionKind, ReleaseClaim
from cases.services import ConditionSpec
from registry.models import RecordState
from stats import queries
from stats.models import ExternalTotal
from tests import factories
from tests.stats.helpers import release

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def world():
    helicoide = factories.facility(
        name="El Helicoide", slug="el-helicoide", state="distrito_capital"
    )
    rodeo = factories.facility(name="Rodeo I", slug="rodeo-i", state="miranda")
    published = []
    for sex, place in (("female", helicoide), ("male", helicoide), ("male", rodeo)):
        person = factories.published_person(sex=sex, categories=["student"], nationalities=["VE"])
        factories.detained(person, on=D(2025, 1, 10), place=place)
        published.append(person)
    disappeared = factories.published_person(sex="female", nationalities=["CO"])
    services.detention_open(person=disappeared, arrested_on=D(2025, 2, 1), whereabouts_unknown=True)
    conditional = factories.published_person(sex="male", categories=["military"])
    release(
        factories.detained(conditional, on=D(2024, 5, 1), place=rodeo),
        D(2025, 3, 1),
        conditions=(ConditionSpec(ConditionKind.TRAVEL_BAN, starts_on=D(2025, 3, 1)),),
    )
    # The pages count what the public sees: the approved cases.
    for person in (*published, disappeared, conditional):
        factories.approved(person)
    factories.detained(factories.person(record_state=RecordState.DRAFT), place=helicoide)
    ReleaseClaim.objects.create(announced_on=D(2025, 3, 3), claimant="Vocero", claimed_count=40)
    ExternalTotal.objects.create(
        organisation="Foro de prueba",
        counted_on=D(2025, 2, 15),
        count=9,
        definition="Presos políticos",
        source_title="Reporte",
        source_url="https://example.org/reporte",
    )
    return {"helicoide": helicoide, "rodeo": rodeo}


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_page_shows_counts_breakdowns_series_and_totals_in_both_languages(client, world):
    for prefix in ("", "/en"):
        response = client.get(prefix + reverse("stats:index"))
        assert response.status_code == 200
        assert response.context["in_custody"] == 4
        page = response.content.decode()
        for chart in ("chart-statuses", "chart-by-facility", "chart-in-custody", "chart-coverage"):
            assert f'id="{chart}"' in page, chart
    english = client.get("/en/estadisticas/").content.decode()
    assert "in custody: detained, place known or whereabouts unknown" in english
    assert "An arrest known only to the month counts from the 1st of that month" in english
    assert "minors are in no public figure" in english


@pytest.mark.slow  # seven sets of filters, each against the list for every status
def test_today_each_count_is_the_public_list_with_the_same_filters(client, world):
    today = timezone.localdate()
    list_url = reverse("public:person-list")
    for filters in (
        {},
        {"sex": "female"},
        {"facility": "el-helicoide"},
        {"state": "miranda"},
        {"category": "student"},
        {"nationality": "CO"},
        {"sex": "male", "state": "miranda"},
    ):
        response = client.get(reverse("stats:index"), {"date": today.isoformat(), **filters})
        assert response.status_code == 200
        counts = response.context["counts"]
        for status, count in counts.items():
            listed = client.get(list_url, {"status": status, **filters}).context["paginator"]
            assert listed.count == count, (filters, status)
        links = response.context["status_figure"].links
        assert all(link.startswith(list_url + "?status=") for link in links)
    assert sum(response.context["counts"].values()) == 1  # male in Miranda: the Rodeo detainee


def test_a_past_date_has_no_list_links_and_its_own_counts(client, world):
    response = client.get(reverse("stats:index"), {"date": "2025-02-20"})
    assert response.context["counts"]["detained"] == 4  # the later release had not happened
    assert response.context["counts"]["released_conditional"] == 0
    assert response.context["status_figure"].links == []


def test_each_csv_has_the_rows_of_its_table(client, world):
    params = {"date": "2025-02-20", "sex": "male"}
    response = client.get(reverse("stats:index"), params)
    figures = {figure.key: figure for figure in response.context["breakdown_figures"]}
    figures["statuses"] = response.context["status_figure"]
    for key, figure in figures.items():
        downloaded = rows(client.get(figure.csv_url))
        assert [[str(value) for value in row] for row in figure.rows] == [
            list(row.values()) for row in downloaded
        ], key
    statuses = {
        row["status"]: int(row["count"]) for row in rows(client.get(figures["statuses"].csv_url))
    }
    assert (
        statuses["detained"] == 3
    )  # two men at El Helicoide and Rodeo, one at Rodeo later released
    facility = rows(client.get(reverse("stats:csv", args=["by-facility"]), params))
    assert {row["label"]: int(row["count"]) for row in facility} == {
        "El Helicoide": 1,
        "Rodeo I": 2,
    }


def test_the_series_csv_follows_the_interval_and_period(client, world):
    url = reverse("stats:csv", args=["series"])
    params = {"start": "2025-01-01", "end": "2025-03-31", "interval": "month"}
    months = rows(client.get(url, params))
    assert [
        (r["starts_on"], r["ends_on"], r["in_custody"], r["arrests"], r["releases"]) for r in months
    ] == [
        ("2025-01-01", "2025-01-31", "4", "3", "0"),
        ("2025-02-01", "2025-02-28", "5", "1", "0"),
        ("2025-03-01", "2025-03-31", "4", "0", "1"),
    ]
    weeks = rows(client.get(url, {**params, "interval": "week"}))
    assert weeks[0]["starts_on"] == "2025-01-01" and weeks[1]["starts_on"] == "2025-01-06"  # Monday
    days = rows(client.get(url, {**params, "interval": "day"}))
    assert len(days) == 90
    assert sum(int(day["arrests"]) for day in days) == 4


def test_bad_input_gets_a_message_never_an_error(client, world):
    page = client.get("/en/estadisticas/", {"date": "2999-01-01", "sex": "robot", "start": "x"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Choose a date no later than today." in text
    assert "correct them to see the counts" in text
    assert "correct them to see the series" in text
    bad = client.get("/en/estadisticas/datos/statuses.csv", {"date": "yesterday"})
    assert bad.status_code == 400
    assert "Enter a valid date" in bad.content.decode()
    assert client.get("/estadisticas/datos/passwords.csv").status_code == 404
    inverted = client.get(
        "/estadisticas/datos/series.csv", {"start": "2025-03-01", "end": "2025-01-01"}
    )
    assert inverted.status_code == 400


def test_the_claims_page_shows_each_gap(client, world):
    response = client.get("/en/estadisticas/anuncios/")
    assert response.status_code == 200
    line = response.context["claims_figure"].rows[0]
    assert line[5:8] == [40, 1, 39]  # claimed, verified in the 7 days up to 3 March, gap
    claims = rows(client.get(reverse("stats:csv", args=["claims"])))
    assert (claims[0]["claimed"], claims[0]["verified"], claims[0]["gap"]) == ("40", "1", "39")
    assert 'id="chart-claims"' in response.content.decode()
    assert 'id="chart-claims-cumulative"' in response.content.decode()


def test_chart_labels_are_escaped(client, world):
    person = factories.published_person()
    factories.detained(
        person, place=factories.facility(name="<script>alert(1)</script> Sede", slug="sede-rara")
    )
    factories.approved(person)
    page = client.get(reverse("stats:index")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Sede" in page


def test_the_series_is_computed_on_first_use(client, world):
    assert queries.series_state().computed_at is None
    response = client.get(reverse("stats:index"))
    assert queries.series_state().last_day == timezone.localdate()
    assert response.context["series_figure"].rows[-1][2] == 4
