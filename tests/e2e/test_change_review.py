"""A change to a published profile reaches the public only when a second person approves it,
in a real browser (issue #12)."""

import datetime

import pytest
from playwright.sync_api import expect

from cases import services
from tests import factories
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_edit_waits_for_review_then_the_public_sees_version_two(
    live_server, browser, page, screenshot, documentalista, verificador
):
    person = factories.published_person(
        given_names="Eulalia",
        first_surname="Marcano",
        public_summary_es="Estudiante de medicina.",
        created_by=documentalista.user,
        last_edited_by=documentalista.user,
    )
    factories.detained(person, on=datetime.date(2025, 2, 3))
    services.approve_version(person=person, approved_by=verificador.user)
    profile = live_server.url + person.get_absolute_url()

    context = browser.new_context()
    staff = context.new_page()
    sign_in(staff, live_server, documentalista.user)
    staff.goto(live_server.url + f"/admin/registry/person/{person.pk}/change/")
    staff.fill("#id_public_summary_es", "Estudiante de medicina, detenida tras una protesta.")
    staff.click("input[name=_save]")
    expect(staff.locator(".messagelist")).to_be_visible()
    context.close()

    page.goto(profile)
    expect(page.locator("main")).to_contain_text("Estudiante de medicina.")
    expect(page.locator("main")).not_to_contain_text("tras una protesta")

    context = browser.new_context(viewport={"width": 390, "height": 844})
    staff = context.new_page()
    sign_in(staff, live_server, verificador.user)
    staff.goto(live_server.url + "/personal/cambios/")
    staff.click("text=Eulalia Marcano")
    expect(staff.locator(".change-list")).to_contain_text("tras una protesta")
    screenshot("changes-review-390", of=staff)
    staff.click("text=Aprobar estos cambios")
    expect(staff.locator("body")).to_contain_text("el público ve ahora la versión 2")
    context.close()

    page.goto(profile)
    expect(page.locator("main")).to_contain_text("tras una protesta")
    expect(page.locator("main")).to_contain_text("2, aprobada el")
    page.click("text=todas las versiones")
    expect(page.locator(".version-list")).to_contain_text("Versión 2")
    lines = page.locator(".version-list li.card").first
    expect(lines).to_contain_text(
        "Resumen público [es]: Estudiante de medicina. → Estudiante de medicina, detenida tras "
        "una protesta."
    )
    expect(lines).not_to_contain_text("[en]")  # nothing changed there
    screenshot("public-versions-1280")
