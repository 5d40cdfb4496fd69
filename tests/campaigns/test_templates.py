"""Templates: the merchant's markup, its variables checked by name when saving."""

import pytest

from campaigns.messaging.templates import (
    ContentInput,
    Link,
    TemplateInvalid,
    Text,
    Var,
    parse,
    save_template,
    variables_of,
)
from campaigns.models import Channel, MessageTemplate, Purpose, TemplateContent
from loyalty.models import AuditEvent
from tests.campaigns.templates_helpers import make_template


def test_the_markup_has_paragraphs_lines_variables_and_links():
    body = (
        "Hello {{ first_name }},\nyou have {{points}}.\n\n"
        "[See your card]({{ member_page_link }}) or https://aroma.example/menu."
    )

    first, second = parse(body)

    assert first.lines == (
        (Text("Hello "), Var("first_name"), Text(",")),
        (Text("you have "), Var("points"), Text(".")),
    )
    assert second.lines == (
        (
            Link((Text("See your card"),), variable="member_page_link"),
            Text(" or "),
            Link((Text("https://aroma.example/menu"),), url="https://aroma.example/menu"),
            Text("."),
        ),
    )


def test_variables_are_listed_once_in_order_from_subject_and_body():
    assert variables_of("{{ tier }} news", "{{first_name}} {{ tier }} {{ points_value }}") == [
        "tier",
        "first_name",
        "points_value",
    ]


def test_unknown_variables_are_refused_at_save_time_by_name(merchant_a):
    with pytest.raises(TemplateInvalid) as refused:
        make_template(merchant_a, "Hi {{ frist_name }}, {{ points }} and {{ favourite_cake }}")

    assert "{{ frist_name }}" in str(refused.value)
    assert "{{ favourite_cake }}" in str(refused.value)
    assert "{{ points }}" not in str(refused.value)
    assert not MessageTemplate.objects.for_merchant(merchant_a).exists()


def test_an_unknown_variable_in_the_subject_is_refused_too(merchant_a):
    with pytest.raises(TemplateInvalid, match="surname"):
        make_template(merchant_a, "Hello", subject="For {{ surname }}")


def test_a_transactional_template_cannot_carry_an_unsubscribe_link(merchant_a):
    with pytest.raises(TemplateInvalid, match="only for marketing"):
        make_template(
            merchant_a, "Your code. {{ unsubscribe_link }}", purpose=Purpose.TRANSACTIONAL
        )


def test_a_variable_that_is_not_a_link_cannot_be_a_links_address(merchant_a):
    with pytest.raises(TemplateInvalid, match="first_name"):
        make_template(merchant_a, "[Click]({{ first_name }})")


def test_saving_keeps_the_words_per_language_and_leaves_an_audit_row(merchant_a):
    template = make_template(
        merchant_a,
        "",
        languages={
            "en": ("Hello", "Hi {{ first_name }}"),
            "ro": ("Salut", "Bună {{ first_name }}"),
        },
    )

    assert dict(template.contents.values_list("language", "subject")) == {
        "en": "Hello",
        "ro": "Salut",
    }
    assert AuditEvent.objects.filter(
        merchant=merchant_a, action="campaigns.template.created", target_id=str(template.pk)
    ).exists()


def test_a_language_left_empty_is_removed_on_the_next_save(merchant_a):
    template = make_template(
        merchant_a, "", languages={"en": ("Hello", "Hi"), "ro": ("Salut", "Bună")}
    )

    save_template(
        template=template,
        contents=[ContentInput("en", "Hello", "Hi again"), ContentInput("ro", "", "  ")],
        actor=None,
    )

    assert list(
        TemplateContent.objects.for_merchant(merchant_a).values_list("language", "body")
    ) == [("en", "Hi again")]


def test_a_template_needs_words_in_one_language_at_least(merchant_a):
    template = MessageTemplate(merchant=merchant_a, name="Empty", channel=Channel.SMS)

    with pytest.raises(TemplateInvalid):
        save_template(template=template, contents=[ContentInput("en", "", "")], actor=None)


def test_the_default_language_falls_back_to_the_merchants(merchant_a):
    merchant_a.default_language = "en"
    template = make_template(merchant_a, "Hello")

    assert template.fallback_language == "en"
    template.default_language = "ro"
    assert template.fallback_language == "ro"
