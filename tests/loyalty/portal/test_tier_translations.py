# ruff: noqa: RUF001 (the Russian names are Cyrillic on purpose)
"""A tier's name in the other languages: the tier form gives it, the service keeps and audits
it, the portal's own pages keep the merchant's words (issue 18)."""

from decimal import Decimal

from django.utils import translation

from loyalty.models import AuditEvent
from loyalty.models.points import Tier
from loyalty.points.program import save_tier


def tier(merchant, name: str) -> Tier:
    return Tier.objects.for_merchant(merchant).get(name=name)


def edit_url(t: Tier) -> str:
    return f"/portal/program/tiers/{t.pk}/"


def data_of(t: Tier, **changes) -> dict:
    data = {
        "name": t.name,
        "threshold": t.threshold,
        "multiplier": t.multiplier,
        "benefits": t.benefits,
    }
    data.update(changes)
    return data


def test_the_form_saves_the_romanian_and_russian_names_and_shows_them_again(
    owner_client, merchant_a
):
    silver = tier(merchant_a, "Silver")

    answer = owner_client.post(
        edit_url(silver), data_of(silver, name_ro=" Argint ", name_ru="Серебро")
    )

    assert answer.status_code == 302
    silver.refresh_from_db()
    assert silver.name == "Silver"
    assert silver.translations == {"ro": {"name": "Argint"}, "ru": {"name": "Серебро"}}
    html = owner_client.get(edit_url(silver)).content.decode()
    assert 'value="Argint"' in html and 'lang="ro"' in html
    assert 'value="Серебро"' in html and 'lang="ru"' in html
    assert '<details class="translations" open>' in html


def test_the_form_of_a_new_tier_offers_the_other_languages_closed(owner_client):
    html = owner_client.get("/portal/program/tiers/new/").content.decode()

    assert 'name="name_ro"' in html and 'name="name_ru"' in html
    assert 'name="name_en"' not in html  # the merchant's own language is the name itself
    assert '<details class="translations">' in html
    assert html.count('name="name"') == 1


def test_a_new_tier_keeps_its_names_in_other_languages(owner_client, merchant_a):
    answer = owner_client.post(
        "/portal/program/tiers/new/",
        {"name": "Platinum", "threshold": "3000", "multiplier": "2", "name_ro": "Platină"},
    )

    assert answer.status_code == 302
    assert tier(merchant_a, "Platinum").translations == {"ro": {"name": "Platină"}}
    event = AuditEvent.objects.for_merchant(merchant_a).get(action="loyalty.tier.created")
    assert event.data["translations"] == {"ro": {"name": "Platină"}}


def test_changing_only_a_name_in_another_language_is_audited(owner_client, merchant_a):
    gold = tier(merchant_a, "Gold")
    owner_client.post(edit_url(gold), data_of(gold, name_ro="Aur"))

    owner_client.post(edit_url(gold), data_of(gold, name_ro="", name_ru="Золото"))

    gold.refresh_from_db()
    assert gold.translations == {"ru": {"name": "Золото"}}
    events = AuditEvent.objects.for_merchant(merchant_a).filter(action="loyalty.tier.updated")
    last = events.order_by("pk").last()
    assert last.data["changed"] == ["translations"]
    assert last.data["values"]["translations"] == {
        "from": {"ro": {"name": "Aur"}},
        "to": {"ru": {"name": "Золото"}},
    }


def test_a_too_long_translated_name_is_refused_on_its_field(owner_client, merchant_a):
    gold = tier(merchant_a, "Gold")
    before = gold.translations

    answer = owner_client.post(edit_url(gold), data_of(gold, name_ro="A" * 41))

    assert answer.status_code == 200
    gold.refresh_from_db()
    assert gold.translations == before


def test_the_service_keeps_the_saved_names_when_given_none(merchant_a, owner_a):
    silver = tier(merchant_a, "Silver")
    silver.translations = {"ro": {"name": "Argint"}}
    silver.save(update_fields=["translations"])

    save_tier(
        merchant=merchant_a,
        actor=owner_a,
        tier=silver,
        name="Silver",
        threshold=Decimal("600"),
        multiplier=silver.multiplier,
    )

    silver.refresh_from_db()
    assert silver.translations == {"ro": {"name": "Argint"}}


def test_the_service_keeps_only_fidelas_languages_and_the_name(merchant_a, owner_a):
    silver = tier(merchant_a, "Silver")

    save_tier(
        merchant=merchant_a,
        actor=owner_a,
        tier=silver,
        name="Silver",
        threshold=silver.threshold,
        multiplier=silver.multiplier,
        translations={"ro": {"name": "Argint", "benefits": "x"}, "de": {"name": "Silber"}},
    )

    silver.refresh_from_db()
    assert silver.translations == {"ro": {"name": "Argint"}}


def test_the_portal_list_keeps_the_merchants_own_names(owner_client, merchant_a):
    silver = tier(merchant_a, "Silver")
    silver.translations = {"ro": {"name": "Argint"}, "ru": {"name": "Серебро"}}
    silver.save(update_fields=["translations"])

    with translation.override("ro"):
        html = owner_client.get(
            "/portal/program/tiers/", HTTP_ACCEPT_LANGUAGE="ro"
        ).content.decode()

    assert "Silver" in html and "Argint" not in html


def test_outsider_cannot_give_names_to_another_merchants_tier(outsider_client, merchant_a):
    silver = tier(merchant_a, "Silver")
    before = silver.translations

    answer = outsider_client.post(edit_url(silver), data_of(silver, name_ro="Al meu"))

    assert answer.status_code == 404
    assert outsider_client.get(edit_url(silver)).status_code == 404
    silver.refresh_from_db()
    assert silver.translations == before
