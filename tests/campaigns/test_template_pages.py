"""The portal's message templates: list, editor and the preview with a real member's data."""

import re

import pytest

from campaigns.models import Channel, MessageTemplate
from tests.campaigns.templates_helpers import make_template
from tests.personas import make_bob

LIST = "/portal/campaigns/templates/"
NEW = "/portal/campaigns/templates/new/"
PREVIEW = "/portal/campaigns/templates/preview/"
EMAIL_PREVIEW = "/portal/campaigns/templates/preview/email/"


@pytest.fixture
def letter(merchant_a):
    return make_template(
        merchant_a,
        "Hello {{ first_name }}, you have {{ points }}.",
        subject="Spring at Aroma",
        name="Spring Quetzal letter",
    )


def _form(**fields):
    data = {
        "name": "Welcome Axolotl",
        "channel": "email",
        "purpose": "marketing",
        "default_language": "",
        "subject_en": "Welcome, {{ first_name }}",
        "body_en": "Hello {{ first_name }}!\n\nYou have {{ points }}.",
    }
    return {**data, **fields}


def test_a_manager_lists_and_opens_templates(manager_client, letter):
    listing = manager_client.get(LIST).content.decode()
    editor = manager_client.get(f"{LIST}{letter.pk}/")

    assert "Spring Quetzal letter" in listing
    assert 'aria-current="page">Messages</a>' in listing
    assert editor.status_code == 200
    assert "Spring at Aroma" in editor.content.decode()


def test_the_hub_has_a_messages_card(manager_client):
    assert (
        'href="/portal/campaigns/templates/"'
        in manager_client.get("/portal/campaigns/").content.decode()
    )


def test_a_manager_creates_a_template(manager_client, merchant_a):
    answer = manager_client.post(NEW, _form())

    template = MessageTemplate.objects.for_merchant(merchant_a).get(name="Welcome Axolotl")
    assert answer.status_code == 302 and answer["Location"] == f"{LIST}{template.pk}/"
    assert template.contents.get(language="en").subject == "Welcome, {{ first_name }}"


def test_unknown_variables_are_shown_by_name_and_nothing_is_saved(manager_client, merchant_a):
    answer = manager_client.post(NEW, _form(body_en="Hi {{ nickname }} and {{ shoe_size }}"))

    html = answer.content.decode()
    assert answer.status_code == 200
    assert "Unknown variables: {{ nickname }}, {{ shoe_size }}." in html
    assert not MessageTemplate.objects.for_merchant(merchant_a).exists()


def test_the_preview_uses_the_first_member_by_default(manager_client, merchant_a, ana):
    make_bob(merchant_a)

    html = manager_client.post(PREVIEW, _form()).content.decode()

    assert f"For Ana Pop (card {ana.card_number})" in html
    assert "Hello Ana!" in html  # the text version, under the email frame
    assert 'sandbox title="The email"' in html
    assert 'target="email-preview-frame"' in html


def test_the_preview_finds_a_member_by_name(manager_client, merchant_a, ana):
    bob = make_bob(merchant_a)

    html = manager_client.post(PREVIEW, _form(preview_member="bob")).content.decode()

    assert f"For Bob (card {bob.card_number})" in html and "Hello Bob!" in html


def test_the_sms_preview_counts_its_segments(manager_client, ana):
    form = _form(channel=Channel.SMS, body_en="Hi {{ first_name }} " + "x" * 170)

    html = manager_client.post(PREVIEW, form).content.decode()

    assert "Hi Ana xxxx" in html
    assert "(GSM-7): 2 SMS, billed as 2 messages." in html


def test_the_in_app_preview_is_the_card(manager_client, ana):
    form = _form(
        channel=Channel.IN_APP, subject_en="A Marmoset gift", body_en="For {{ first_name }}"
    )

    html = manager_client.post(PREVIEW, form).content.decode()

    assert "A Marmoset gift" in html and "<p>For Ana</p>" in html


def test_the_email_preview_is_the_inlined_email_under_its_own_policy(manager_client, ana):
    answer = manager_client.post(EMAIL_PREVIEW, _form())

    html = answer.content.decode()
    assert "Hello Ana!" in html and "<style" not in html and 'style="' in html
    policy = answer["Content-Security-Policy"]
    assert "script-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy
    assert answer["X-Frame-Options"] == "SAMEORIGIN"


def test_a_cashier_gets_403(cashier_client, letter):
    assert cashier_client.get(LIST).status_code == 403
    assert cashier_client.get(f"{LIST}{letter.pk}/").status_code == 403
    assert cashier_client.post(PREVIEW, _form()).status_code == 403


def test_another_merchants_template_is_404(outsider_client, letter):
    assert outsider_client.get(f"{LIST}{letter.pk}/").status_code == 404
    assert outsider_client.post(f"{LIST}{letter.pk}/", _form()).status_code == 404


def test_the_preview_never_shows_another_merchants_member(outsider_client, ana, letter):
    html = outsider_client.post(PREVIEW, _form(template_id=letter.pk)).content.decode()

    assert "Ana" not in re.sub(r"<[^>]+>", "", html).replace("{{ first_name }}", "")
    assert "Add a member to preview" in html
