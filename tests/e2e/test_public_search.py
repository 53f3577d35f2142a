"""A family member searches from the home page, opens a profile and switches language."""

import datetime

import pytest
from playwright.sync_api import expect

from cases import services
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def jesus(transactional_db):
    helicoide = factories.facility(name="El Helicoide", slug="el-helicoide")
    person = factories.published_person(
        given_names="Jesús Alberto", first_surname="Armas", second_surname="Guanipa"
    )
    services.detention_open(
        person=person, arrested_on=datetime.date(2024, 12, 10), facility=helicoide
    )
    other = factories.published_person(
        given_names="María", first_surname="Pérez", second_surname="Rondón"
    )
    factories.approved(other)
    return factories.approved(person)


def test_search_with_accents_dropped_and_a_typo_then_profile_then_english(
    live_server, page, jesus, screenshot
):
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_contain_text("Registro de presos políticos")
    page.fill("#id_q", "jesus armaz")  # no accent, one typo
    page.click("button[type=submit] >> text=Buscar")
    expect(page.locator(".results")).to_contain_text("Jesús Alberto Armas Guanipa")
    screenshot("search-results-es")

    # Search as you type (htmx) on the search page.
    page.fill("#id_q", "")
    page.type("#id_q", "guanipa jes", delay=30)
    expect(page.locator("#search-results .results")).to_contain_text("Jesús Alberto Armas Guanipa")

    page.click("text=Jesús Alberto Armas Guanipa")
    expect(page.locator("h1")).to_have_text("Jesús Alberto Armas Guanipa")
    expect(page.locator(".profile")).to_contain_text("El Helicoide")
    screenshot("profile-es")

    page.click("button[lang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".profile")).to_contain_text("Detained since")
    expect(page.locator(".profile")).to_contain_text("December 10, 2024")
    screenshot("profile-en")


def test_the_search_form_works_without_javascript(live_server, browser, jesus):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/buscar/")
    page.fill("#id_q", "armas guanipa")
    page.click("button[type=submit] >> text=Buscar")
    expect(page.locator(".results")).to_contain_text("Jesús Alberto Armas Guanipa")
    page.click("text=Jesús Alberto Armas Guanipa")
    expect(page.locator("h1")).to_have_text("Jesús Alberto Armas Guanipa")
    context.close()


def test_a_phone_sized_screen_shows_the_profile_without_horizontal_scrolling(
    live_server, browser, jesus
):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + jesus.get_absolute_url())
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
    context.close()
