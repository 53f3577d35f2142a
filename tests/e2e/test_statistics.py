"""A journalist opens the statistics: the charts render, and every CSV download holds the
numbers the chart draws and the table shows."""

import csv
import datetime
import io

import pytest
from playwright.sync_api import expect

from cases import services
from cases.models import ConditionKind, ReleaseClaim
from cases.services import ConditionSpec
from registry.models import Person
from stats import services as stats_services
from stats.models import ExternalTotal
from tests import factories
from tests.stats.helpers import release

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date


@pytest.fixture
def history(transactional_db):
    helicoide = factories.facility(name="El Helicoide", slug="el-helicoide")
    rodeo = factories.facility(name="Rodeo I", slug="rodeo-i", state="miranda")
    for index in range(6):
        person = factories.published_person(sex="female" if index % 2 else "male")
        detention = factories.detained(
            person, on=D(2024, 3 + index, 10), place=helicoide if index < 4 else rodeo
        )
        if index == 1:
            services.custody_transfer(detention=detention, facility=rodeo, on=D(2025, 2, 1))
        if index in (2, 3):
            release(
                detention,
                D(2025, 6, 1 + index),
                conditions=(ConditionSpec(ConditionKind.TRAVEL_BAN, starts_on=D(2025, 6, 1)),),
            )
    services.detention_open(
        person=factories.published_person(), arrested_on=D(2025, 9, 1), whereabouts_unknown=True
    )
    for person in Person.objects.published():
        factories.approved(person)  # what the public, and so the statistics, count
    ReleaseClaim.objects.create(announced_on=D(2025, 6, 5), claimant="Vocero", claimed_count=30)
    ReleaseClaim.objects.create(
        announced_on=D(2025, 8, 1), claimant="Ministro", claimed_count=12, names_published=True
    )
    ExternalTotal.objects.create(
        organisation="Foro de prueba", counted_on=D(2025, 7, 1), count=9, definition="Presos"
    )
    stats_services.daily_figures_refresh()


def download(page, link) -> list[dict[str, str]]:
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), encoding="utf-8") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


def drawn(page, selector: str) -> list[int]:
    return [
        int(value)
        for value in page.locator(selector).evaluate_all(
            "marks => marks.map(mark => mark.getAttribute('data-value'))"
        )
    ]


def tabled(figure) -> list[list[int]]:
    """The table's numeric cells, row by row."""
    return figure.locator("tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.querySelectorAll('td[data-value]')]"
        ".map(cell => Number(cell.dataset.value)))"
    )


def test_the_statistics_page_draws_its_charts_and_each_csv_matches_them(
    live_server, page, history, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/en/estadisticas/?interval=month")
    expect(page.locator("h1")).to_have_text("Statistics")
    for chart in ("statuses", "by-facility", "by-state", "by-sex", "in-custody", "coverage"):
        expect(page.locator(f"#chart-{chart}")).to_be_visible()
    expect(page.locator("[data-figure=in-custody] .figure")).to_have_text("5")
    screenshot("statistics-en")

    statuses = page.locator("#statuses")
    rows = download(page, statuses.get_by_role("link", name="Download CSV"))
    counts = [int(row["count"]) for row in rows]
    assert counts == drawn(page, "#chart-statuses rect")
    assert [[count] for count in counts] == tabled(statuses)
    assert dict(zip([row["status"] for row in rows], counts, strict=True))["detained"] == 4

    for key in ("by-facility", "by-state", "by-sex", "by-service", "by-nationality"):
        figure = page.locator(f"#{key}")
        rows = download(page, figure.get_by_role("link", name="Download CSV"))
        assert [int(row["count"]) for row in rows] == drawn(page, f"#chart-{key} rect"), key
        assert sum(int(row["count"]) for row in rows) == 5, key  # adds up to the total

    series = page.locator("#series")
    rows = download(page, series.get_by_role("link", name="Download CSV"))
    in_custody = page.locator("#chart-in-custody polyline").get_attribute("data-values")
    assert [int(value) for value in in_custody.split(",")] == [int(r["in_custody"]) for r in rows]
    assert drawn(page, "#chart-arrests-releases rect.series-arrests") == [
        int(row["arrests"]) for row in rows
    ]
    assert drawn(page, "#chart-arrests-releases rect.series-releases") == [
        int(row["releases"]) for row in rows
    ]
    assert sum(int(row["arrests"]) for row in rows) == 7
    assert sum(int(row["releases"]) for row in rows) == 2

    coverage = page.locator("#coverage")
    rows = download(page, coverage.get_by_role("link", name="Download CSV"))
    assert drawn(page, "#chart-coverage rect") == [
        int(rows[0]["their_count"]),
        int(rows[0]["our_count"]),
    ]

    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("statistics-en-phone")


def test_the_claims_page_draws_claimed_against_verified(live_server, page, history, screenshot):
    page.goto(live_server.url + "/en/estadisticas/anuncios/")
    expect(page.locator("#chart-claims")).to_be_visible()
    expect(page.locator("#chart-claims-cumulative")).to_be_visible()
    screenshot("statistics-claims-en")

    rows = download(page, page.locator("#claims").get_by_role("link", name="Download CSV"))
    assert [(row["claimed"], row["verified"], row["gap"]) for row in rows] == [
        ("30", "2", "28"),  # the two releases of 3 and 4 June, in the 7 days up to 5 June
        ("12", "0", "12"),  # names published, none matched yet
    ]
    assert drawn(page, "#chart-claims rect") == [30, 2, 12, 0]

    rows = download(
        page, page.locator("#claims-cumulative").get_by_role("link", name="Download CSV")
    )
    lines = page.locator("#chart-claims-cumulative polyline")
    assert lines.nth(0).get_attribute("data-values") == ",".join(r["claimed"] for r in rows)
    assert lines.nth(1).get_attribute("data-values") == ",".join(r["verified"] for r in rows)
