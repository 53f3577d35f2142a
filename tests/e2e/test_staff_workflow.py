"""Two-person publication in a real browser: a documentalista enters a case, a verifier
verifies and publishes it, the public profile appears; a coordinator takes it down."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time
from playwright.sync_api import expect

from registry.models import Person
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "x-Very-Long-Pass-123"


def current_code(user) -> str:
    secret = Authenticator.objects.get(user=user, type="totp").wrap().instance.data["secret"]
    return f"{hotp_value(secret, next(yield_hotp_counters_from_time())):06d}"


def sign_in(browser, live_server, user):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/admin/")
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", current_code(user))
    page.click("main form button[type=submit]")
    expect(page.locator("body")).to_contain_text("Expedientes")
    return context, page


def test_enter_verify_publish_then_take_down(live_server, browser, screenshot, page):
    documentalista = make_staff("doc_e2e", "Documentalista")
    verificador = make_staff("ver_e2e", "Verificador")
    coordinador = make_staff("coo_e2e", "Coordinador")

    context, staff = sign_in(browser, live_server, documentalista)
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

    context, staff = sign_in(browser, live_server, verificador)
    staff.goto(live_server.url + "/personal/")
    expect(staff.locator(".queue-item")).to_contain_text("Eusebia Ramona Quintero Lobo")
    screenshot("verification-queue")
    staff.goto(live_server.url + f"/personal/personas/{person.pk}/verificar/")
    staff.click("form.stacked button[type=submit]")
    staff.goto(live_server.url + f"/personal/personas/{person.pk}/publicar/")
    staff.click("form.stacked button[type=submit]")
    expect(staff.locator("body")).to_contain_text("Publicado")
    screenshot("record-history")
    context.close()

    page.goto(live_server.url + "/buscar/")
    page.fill("#id_q", "eusebia quintero")
    page.click("button[type=submit] >> text=Buscar")
    page.click("text=Eusebia Ramona Quintero Lobo")
    expect(page.locator("h1")).to_have_text("Eusebia Ramona Quintero Lobo")
    profile_url = page.url

    context, staff = sign_in(browser, live_server, coordinador)
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
