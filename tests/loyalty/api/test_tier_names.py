# ruff: noqa: RUF001 (the Russian names are Cyrillic on purpose)
"""The API names tiers in the client's language (Accept-Language), the merchant's own name
where a language has none (issue 18)."""

from loyalty.models.points import Tier


def name_tiers(merchant) -> None:
    names = {"Bronze": "Бронза", "Silver": "Серебро"}  # Gold: only the merchant's own name
    Tier.objects.for_merchant(merchant).filter(name="Gold").update(translations={})
    for tier in Tier.objects.for_merchant(merchant).filter(name__in=names):
        tier.translations = {"ru": {"name": names[tier.name]}, "ro": {"name": tier.name + "-ro"}}
        tier.save(update_fields=["translations"])


def test_a_member_in_russian_has_the_russian_tier_names(api_a, merchant_a, member_a):
    name_tiers(merchant_a)

    body = api_a.get(f"/api/v1/members/{member_a.card_number}", HTTP_ACCEPT_LANGUAGE="ru").json()

    assert body["tier"] == {"name": "Бронза"}
    assert body["next_tier"]["name"] == "Серебро"


def test_without_a_language_the_member_has_the_merchants_names(api_a, merchant_a, member_a):
    name_tiers(merchant_a)

    body = api_a.get(f"/api/v1/members/{member_a.card_number}").json()

    assert body["tier"] == {"name": "Bronze"}
    assert body["next_tier"]["name"] == "Silver"


def test_the_program_in_russian_names_its_tiers_in_russian_else_the_merchants_way(
    api_a, merchant_a
):
    name_tiers(merchant_a)

    body = api_a.get("/api/v1/program", HTTP_ACCEPT_LANGUAGE="ru").json()

    assert [tier["name"] for tier in body["tiers"]] == ["Бронза", "Серебро", "Gold"]


def test_another_merchants_member_is_still_a_404(api_b, merchant_a, member_a):
    name_tiers(merchant_a)

    answer = api_b.get(f"/api/v1/members/{member_a.card_number}", HTTP_ACCEPT_LANGUAGE="ru")

    assert answer.status_code == 404
    assert "Бронза" not in answer.content.decode()
