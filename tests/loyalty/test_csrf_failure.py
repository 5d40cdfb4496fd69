"""A form sent with an expired or missing CSRF token: a styled page that says what happened.

The POS panel (HTMX) gets a partial it swaps in, with a button that reloads the page the
cashier is on; a plain form gets the whole styled page. Never Django's developer page.
"""

import pytest
from django.test import Client

from loyalty.models import Purchase
from tests.loyalty.pos.conftest import HX

pytestmark = pytest.mark.django_db

DJANGO_PAGE = "CSRF verification failed"


@pytest.fixture
def strict_till(cashier_a) -> Client:
    """The cashier's browser, with Django's CSRF check on (the test client skips it)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(cashier_a)
    return client


@pytest.mark.parametrize("debug", [False, True])
def test_an_htmx_post_gets_a_panel_that_says_reload(strict_till, settings, debug):
    settings.DEBUG = debug

    answer = strict_till.post(
        "/pos/purchase/",
        {"token": "x" * 24, "amount": "5.00"},
        **HX,
        HTTP_HX_CURRENT_URL="http://testserver/pos/",
    )

    assert answer.status_code == 403
    html = answer.content.decode()
    assert DJANGO_PAGE not in html
    assert "<html" not in html  # a partial, swapped into the panel
    assert "This page was open too long" in html
    assert 'href="/pos/"' in html and "Reload the page" in html
    assert "<script" not in html and "onclick" not in html
    assert not Purchase.objects.exists()


def test_another_sites_address_is_not_offered_as_the_reload(strict_till):
    answer = strict_till.post(
        "/pos/purchase/", {}, **HX, HTTP_HX_CURRENT_URL="https://evil.example/pos/"
    )

    assert answer.status_code == 403
    assert "evil.example" not in answer.content.decode()


def test_a_plain_form_gets_the_whole_styled_page(strict_till):
    answer = strict_till.post(
        "/pos/purchase/", {"amount": "5.00"}, HTTP_REFERER="http://testserver/pos/sale/"
    )

    assert answer.status_code == 403
    html = answer.content.decode()
    assert DJANGO_PAGE not in html
    assert "<html" in html and 'class="skip-link"' in html
    assert '<link rel="stylesheet"' in html
    assert "This page was open too long" in html
    assert 'href="/pos/sale/"' in html


def test_a_member_page_form_gets_the_styled_page_too(merchant_a):
    answer = Client(enforce_csrf_checks=True).post("/m/aroma/join", {"email": "x@example.com"})

    assert answer.status_code == 403
    assert "This page was open too long" in answer.content.decode()
    assert 'href="/m/aroma/join"' in answer.content.decode()
