"""The Content-Security-Policy: on every answer (pages, the API, errors), scripts from this
origin only and never inline, and every <style> of a page under the request's nonce."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from loyalty.tenancy.services import create_api_key
from tests.loyalty.api.conftest import key_client

HEADER = "Content-Security-Policy"
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(answer) -> dict[str, list[str]]:
    assert HEADER in answer, f"no {HEADER} on {answer.status_code}"
    policy = {}
    for part in answer[HEADER].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def assert_strict(answer) -> dict[str, list[str]]:
    policy = directives(answer)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "'unsafe-inline'" not in answer[HEADER] and "'unsafe-eval'" not in answer[HEADER]
    return policy


def test_a_page_has_the_policy(db):
    assert_strict(Client().get("/accounts/login/"))


def test_an_api_answer_has_the_policy(merchant_a, shop_a, owner_a):
    _key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)

    assert_strict(key_client(raw).get("/api/v1/program"))
    assert_strict(Client().get("/api/v1/program"))  # the 401 problem too


@pytest.mark.parametrize("path", ["/no-such-page/", "/m/no-such-merchant/"])
def test_an_error_page_has_the_policy(db, path):
    answer = Client().get(path)

    assert answer.status_code == 404
    assert_strict(answer)


def test_every_style_element_carries_the_nonce_of_the_header(owner_client, merchant_a):
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()

    for path in ["/portal/", "/portal/rewards/new/", f"/m/{merchant_a.slug}/join", "/pos/"]:
        answer = owner_client.get(path)
        assert answer.status_code == 200, path
        policy = assert_strict(answer)
        html = answer.content.decode()
        styles = re.findall(r"<style([^>]*)>", html)
        assert styles, path  # the brand colours
        nonces = [value.strip("'")[len("nonce-") :] for value in policy["style-src"][1:]]
        assert policy["style-src"][0] == "'self'" and len(nonces) == 1, policy["style-src"]
        assert all(attrs == f' nonce="{nonces[0]}"' for attrs in styles), (path, styles)
        assert " style=" not in html, path


def test_the_nonce_changes_with_every_request(db, merchant_a):
    first, second = (Client().get(f"/m/{merchant_a.slug}/join") for _ in range(2))

    assert directives(first)["style-src"] != directives(second)["style-src"]


# A CSP violation shows up only in a browser (tests/e2e/test_csp.py); this keeps the templates
# from growing what the policy would block.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_WITHOUT_NONCE = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("inline <script>", INLINE_SCRIPT),
        ("event handler attribute", EVENT_HANDLER),
        ("style attribute", STYLE_ATTRIBUTE),
        ("<style> without the nonce", STYLE_WITHOUT_NONCE),
    ],
)
def test_no_template_has_what_the_policy_blocks(name, pattern):
    found = [
        f"{path.relative_to(TEMPLATES)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for text in [re.sub(r"{#.*?#}", "", path.read_text())]
        for match in pattern.finditer(text)
    ]
    assert not found, f"{name} in {found}"
