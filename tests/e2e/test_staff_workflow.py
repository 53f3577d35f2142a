"""Two-person publication in a real browser: a documentalista enters a case, a verifier
verifies and publishes it, the public profile appears; a coordinator takes it down."""

import pytest
from playwright.sync_api import expect

from registry.models import Person
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in_context(browser, live_server, user):
    """A browser context of its own for each member of staff."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, user)
    return context, page


def test_enter_verify_publish_then_take_down(
    live_server, browser, screenshot, page, documentalista, verificador, coordinador
):
    context, staff = signed_in_context(browser, live_server, documentalista.user)
    staff.goto(live_server.url + "/admin/registry/person/add/")
    staff.fill("#id_given_names", "Eusebia Ramona")
    staff.fill("#id_first_surname", "Quintero")
    staff.fill("#id_second_surname", "Lobo")
    staff.select_option("#id_sex", "female")
    staff.select_option("#id_consent_basis", "family")
    staff.fill("#id_public_summary_es", "Defensora de derechos humanos.")
    staff.click("input[name=_save]")
    expect(staff.locator(".messagelist")).to_be_visible()
    person = Person.objects.get(first_surname="Quintero")
    staff.goto(live_server.url + f"/personal/personas/{person.pk}/enviar/")
    staff.click("form.stacked button[type=submit]")
    expect(staff.locator("h1")).to_contain_text("Eusebia Ramona Quintero Lobo")
    context.close()

    context, staff = signed_in_context(browser, live_server, verificador.user)
    staff.goto(live_server.url + "/personal/")
    expect(staff.locator(".queue-item")).to_contain_text("Eusebia Ramona Quintero Lobo")
    screenshot("verification-queue", of=staff)
    staff.goto(live_server.url + f"/personal/personas/{person.pk}/verificar/")
    staff.click("form.stacked button[type=submit]")
    staff.goto(live_server.url + f"/personal/personas/{person.pk}/publicar/")
    staff.click("form.stacked button[type=submit]")
    expect(staff.locator("body")).to_contain_text("Publicado")
    screenshot("record-history", of=staff)
    context.close()

    page.goto(live_server.url + "/buscar/")
    page.fill("#id_q", "eusebia quintero")
    page.click("button[type=submit] >> text=Buscar")
    page.click("text=Eusebia Ramona Quintero Lobo")
    expect(page.locator("h1")).to_have_text("Eusebia Ramona Quintero Lobo")
    profile_url = page.url

    context, staff = signed_in_context(browser, live_server, coordinador.user)
    staff.goto(live_server.url + f"/personal/personas/{person.pk}/retirar/")
    staff.fill("textarea[name=reason]", "Pedido de la familia")
    staff.click("form.stacked button[type=submit]")
    context.close()

    response = page.goto(profile_url)
    assert response.status == 410
    page.goto(live_server.url + "/buscar/")
    page.fill("#id_q", "eusebia quintero")
    page.click("button[type=submit] >> text=Buscar")
    expect(page.locator("#search-results")).not_to_contain_text("Quintero")
    page.goto(live_server.url + "/personas/")
    expect(page.locator("main")).not_to_contain_text("Quintero")
