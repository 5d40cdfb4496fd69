"""The portal's guide to connecting a till: its curl commands work as pasted against the demo.

The commands are read off the page and run through the test client, the way a shell would
send them: method, URL, headers and body.
"""

import html
import re
import shlex

import pytest
from django.core.management import call_command
from django.test import Client

from loyalty.api.demo import DEMO_API_KEY
from loyalty.models import Merchant, Purchase
from tests.loyalty.api.conftest import key_client


def commands(page: str) -> dict[str, str]:
    found = re.findall(
        r'<pre class="example" data-example="([a-z]+)"[^>]*><code>(.*?)</code>', page, re.S
    )
    return {slug: html.unescape(text) for slug, text in found}


def run(command: str, client=None):
    """Send a curl command of the guide with the test client."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[0] == "curl"
    method, url, headers, body = "GET", None, {}, None
    rest = iter(words[1:])
    for word in rest:
        if word == "-X":
            method = next(rest)
        elif word == "-H":
            name, _sep, value = next(rest).partition(": ")
            headers[name] = value
        elif word == "-d":
            body = next(rest)
        elif not word.startswith("-"):
            url = word
    path = url.split("://", 1)[1].split("/", 1)[1]
    client = client or Client()
    extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    content_type = extra.pop("HTTP_CONTENT_TYPE", "application/json")
    if method == "GET":
        return client.get("/" + path, **extra)
    return client.generic(method, "/" + path, body or "", content_type=content_type, **extra)


@pytest.fixture
def demo(db, monkeypatch):
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 12)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Merchant.objects.get(slug="demo")


@pytest.fixture
def demo_owner(demo):
    client = Client()
    client.login(email="owner@example.com", password="fidela-demo")
    return client


def test_seed_demo_prints_the_demo_till_key(db, monkeypatch, capsys):
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 12)
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert DEMO_API_KEY in out.getvalue()
    assert key_client(DEMO_API_KEY).get("/api/v1/program").status_code == 200


def test_every_example_of_the_guide_works_against_the_demo(demo, demo_owner):
    page = demo_owner.get("/portal/settings/api/")
    assert page.status_code == 200
    examples = commands(page.content.decode())
    assert set(examples) >= {"program", "find", "enrol", "purchase", "refund", "rewards"}
    assert all(DEMO_API_KEY in command for command in examples.values())

    expected = {
        "program": 200,
        "find": 200,
        "enrol": 201,
        "purchase": 201,
        "refund": 201,
        "rewards": 200,
        # The example's voucher code is a placeholder: the answer names it.
        "voucher": 404,
    }
    for slug, status in expected.items():
        answer = run(examples[slug])
        assert answer.status_code == status, (slug, answer.content)
    assert len(run(examples["find"]).json()["results"]) == 1
    assert Purchase.objects.filter(merchant=demo, external_id="TILL1-000123").count() == 1

    # Pasted twice, the sale is still one sale.
    assert run(examples["purchase"]).status_code == 201
    assert Purchase.objects.filter(merchant=demo, external_id="TILL1-000123").count() == 1


def test_another_merchant_reads_the_key_from_a_variable(owner_client, merchant_a):
    page = owner_client.get("/portal/settings/api/").content.decode()

    assert DEMO_API_KEY not in page
    assert all("$FIDELA_KEY" in command for command in commands(page).values())
    assert "voucher_used" in page  # the error codes table


def test_cashiers_and_managers_do_not_get_the_guide(manager_client, cashier_client):
    assert manager_client.get("/portal/settings/api/").status_code == 403
    assert cashier_client.get("/portal/settings/api/").status_code == 403


def test_the_guide_points_at_the_host_and_port_it_was_reached_at(
    owner_client, merchant_a, settings
):
    # Issue 17: not SITE_URL (127.0.0.1:8000 by default) but the address in the browser.
    settings.ALLOWED_HOSTS = ["till.example.test"]
    settings.SITE_URL = "http://127.0.0.1:8000"
    page = owner_client.get("/portal/settings/api/", HTTP_HOST="till.example.test:8443")
    html = page.content.decode()

    assert '<code id="api-address">http://till.example.test:8443/api/v1/</code>' in html
    found = commands(html)
    assert found and all(
        "http://till.example.test:8443/api/v1/" in command for command in found.values()
    )
    # Every command has its Copy button, which copies that command's block.
    for slug in found:
        assert f'data-copy-target="#example-{slug} pre.example"' in html
    assert 'data-copy-target="#api-address"' in html
    assert "js/copy.js" in html


def test_a_new_api_key_has_a_copy_button(owner_client, merchant_a, shop_a):
    page = owner_client.post(
        "/portal/settings/api-keys/", {"name": "Till 1", "shop": shop_a.pk}
    ).content.decode()

    assert 'id="new-key"' in page
    assert 'data-copy-target="#new-key"' in page
