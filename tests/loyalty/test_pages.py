"""What every page has: the error pages, the language switcher, and the accessible basics."""

from html.parser import HTMLParser

import pytest

from loyalty.models import Role, Shop
from loyalty.tenancy.services import invite_staff
from members.models import Member
from tests.factories import UserFactory
from tests.loyalty.pos.conftest import found_at_the_till
from tests.urlwalk import staff_routes

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    """Collects what the checks below need from one HTML page."""

    def __init__(self, html: str):
        super().__init__()
        self.html_lang = None
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.links: list[tuple[str, str]] = []
        self.fields: list[dict] = []
        self.forms: list[dict] = []
        self._open_labels = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "label":
            self._open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag == "a":
            self.links.append((attrs.get("class") or "", attrs.get("href") or ""))
        elif tag == "form":
            self.forms.append(attrs)
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and attrs.get("type", "text") in UNLABELLED_TYPES:
                return
            self.fields.append(attrs | {"tag": tag, "inside_label": self._open_labels > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self._open_labels -= 1

    def unlabelled(self) -> list[dict]:
        return [
            field
            for field in self.fields
            if not field["inside_label"]
            and field.get("id") not in self.label_for
            and not field.get("aria-label")
            and not field.get("aria-labelledby")
        ]


def owner_pages(client, ids) -> list[tuple[str, str]]:
    # The POS opens a member only once found at the till in this session.
    found_at_the_till(
        client, Shop.objects.get(pk=ids["shop_id"]), Member.objects.get(pk=ids["member_id"])
    )
    pages = []
    for route in staff_routes():
        url = route.url(ids)
        answer = client.get(url, follow=True)
        if answer.status_code == 405:
            continue  # POST-only: no page of its own
        if answer.get("Content-Type", "").startswith("text/csv"):
            continue  # a download (the feedback comments' CSV), not a page
        assert answer.status_code == 200, url
        pages.append((url, answer.content.decode()))
    assert len(pages) >= 14
    return pages


# --- Error pages -----------------------------------------------------------------------------


def test_the_404_page_is_the_styled_one(client, db):
    answer = client.get("/no/such/page/")

    assert answer.status_code == 404
    content = answer.content.decode()
    assert "This page does not exist" in content
    assert 'href="/start/"' in content
    assert '<link rel="stylesheet"' in content


def test_the_403_page_is_the_styled_one(cashier_client):
    answer = cashier_client.get("/portal/settings/staff/")

    assert answer.status_code == 403
    assert "You may not open this page" in answer.content.decode()


# --- Language --------------------------------------------------------------------------------


def test_every_page_offers_the_language_switcher(client, db):
    page = _Page(client.get("/accounts/login/").content.decode())

    forms = [form for form in page.forms if form.get("class") == "language-switcher"]
    assert forms == [{"action": "/i18n/setlang/", "method": "post", "class": "language-switcher"}]
    assert "language-select" in page.label_for


def test_the_language_switcher_sets_the_language_and_returns(owner_client):
    answer = owner_client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})

    assert answer.status_code == 302
    assert answer["Location"] == "/portal/"
    assert answer.cookies["django_language"].value == "en"
    assert owner_client.get("/portal/").status_code == 200


def test_the_language_switcher_ignores_a_foreign_next(owner_client):
    answer = owner_client.post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example.com/"}
    )

    assert answer.status_code == 302
    assert "evil.example.com" not in answer["Location"]


# --- Accessible basics -----------------------------------------------------------------------


def test_every_portal_page_declares_its_language_and_offers_a_skip_link(owner_client, ids_of_a):
    for url, content in owner_pages(owner_client, ids_of_a):
        page = _Page(content)
        assert page.html_lang == "en", url
        assert ("skip-link", "#main") in page.links, url
        assert "main" in page.ids, url


def test_every_input_of_every_portal_page_has_a_label(owner_client, ids_of_a):
    checked = 0
    for url, content in owner_pages(owner_client, ids_of_a):
        page = _Page(content)
        assert page.unlabelled() == [], url
        checked += len(page.fields)
    assert checked > 20


@pytest.mark.parametrize(
    "url",
    [
        "/portal/settings/profile/",
        "/portal/settings/shops/new/",
        "/portal/settings/staff/",
        "/portal/settings/api-keys/",
        "/portal/settings/audit/",
    ],
)
def test_settings_forms_label_every_field(owner_client, url):
    page = _Page(owner_client.get(url).content.decode())

    assert len(page.fields) >= 2
    assert page.unlabelled() == []
    assert all(field.get("id") in page.label_for for field in page.fields)


def test_settings_forms_with_errors_still_label_every_field(owner_client):
    answer = owner_client.post("/portal/settings/staff/", {"email": "x", "role": "cashier"})

    page = _Page(answer.content.decode())
    assert 'role="alert"' in answer.content.decode()
    assert page.unlabelled() == []


def test_the_new_api_key_field_has_a_label(owner_client, shop_a):
    answer = owner_client.post("/portal/settings/api-keys/", {"shop": shop_a.pk})

    page = _Page(answer.content.decode())
    assert "new-key" in page.label_for
    assert page.unlabelled() == []


def test_the_pos_shop_choice_has_a_label(manager_client, shop_a2):
    page = _Page(manager_client.get("/pos/").content.decode())

    assert "pos-shop" in page.label_for
    assert page.unlabelled() == []


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/signup/", "/welcome/"])
def test_sign_in_sign_up_and_onboarding_label_every_field(client, db, url):
    if url == "/welcome/":
        client.force_login(UserFactory())
    content = client.get(url).content.decode()
    page = _Page(content)

    assert page.html_lang == "en"
    assert page.fields
    assert page.unlabelled() == []


def test_the_invitation_page_labels_the_password_fields(client, merchant_a, owner_a):
    _invitation, token = invite_staff(
        merchant=merchant_a, actor=owner_a, email="new@example.com", role=Role.MANAGER
    )

    page = _Page(client.get(f"/invite/{token}/").content.decode())

    assert {"id_password1", "id_password2"} <= page.label_for
    assert page.unlabelled() == []
