# ruff: noqa: RUF001 (the Russian tier names are Cyrillic on purpose)
"""The join page, the member's card, a sale at the POS and the portal's dashboard, read by a
browser set to Romanian and to Russian: no English string of the code on any of them (issue 18).

"English string of the code" is any text on the page (or an aria-label, title or placeholder)
that is word for word the English of an entry the catalogue translates differently. What the
merchant wrote (the names of its rewards, shops and tiers) is the merchant's own and may be in
any language.
"""

import re

import polib
import pytest
from django.conf import settings
from playwright.sync_api import expect

from loyalty.models.points import Tier
from rewards.models import Reward
from tests.e2e.sessions import sign_in_browser

TEXTS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    const parent = node.parentElement;
    if (text && parent && parent.closest("script, style, noscript, code, pre") === null
        && parent.getClientRects().length > 0) out.push(text);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder]")) {
    for (const name of ["aria-label", "title", "placeholder"]) {
      const value = el.getAttribute(name);
      if (value) out.push(value.trim());
    }
  }
  return out;
}"""
PLACEHOLDER = re.compile(r"%\(|%s|\{")


def english_of(language: str) -> set[str]:
    """The English msgids that the catalogue says differently (whole strings, no placeholders)."""
    path = settings.LOCALE_PATHS[0] / language / "LC_MESSAGES" / "django.po"
    return {
        entry.msgid
        for entry in polib.pofile(str(path))
        if entry.msgstr
        and entry.msgstr != entry.msgid
        and not PLACEHOLDER.search(entry.msgid)
        and re.search(r"[A-Za-z]{3}", entry.msgid)
    }


def merchant_words(merchant) -> set[str]:
    """What the merchant wrote: its names, and their words in the other languages."""
    names = set(merchant.shops.values_list("name", flat=True))
    for model in (Reward, Tier):
        for name, translations in model.objects.filter(merchant=merchant).values_list(
            "name", "translations"
        ):
            names.add(name)
            names |= {words["name"] for words in (translations or {}).values() if words.get("name")}
    return names | {merchant.name}


# The tiers' names as the merchant gives them in the other languages (loyalty.content).
TIER_NAMES = {
    "Bronze": {"ro": "Bronz", "ru": "Бронза"},
    "Silver": {"ro": "Argint", "ru": "Серебро"},
    "Gold": {"ro": "Aur", "ru": "Золото"},
}


# The sample reward, likewise.
COFFEE = {"ro": "Cafea gratuită", "ru": "Бесплатный кофе"}


def name_tiers(merchant) -> None:
    for tier in Tier.objects.for_merchant(merchant):
        names = TIER_NAMES.get(tier.name, {})
        tier.translations = {code: {"name": name} for code, name in names.items()}
        tier.save(update_fields=["translations"])
    coffee = merchant.rewards.get(name="Free coffee")
    coffee.translations = {code: {"name": name} for code, name in COFFEE.items()}
    coffee.save(update_fields=["translations"])


# Words of English that neither Romanian nor Russian writes: a text with one of them that is
# not the merchant's own is English the catalogue never saw (a string not marked for
# translation, or built in code), which the msgid comparison above cannot catch.
_ENGLISH = (
    "the and your you with this that from points point balance sales reward rewards "
    "member members sign save cancel search find shop today week month year visits "
    "purchase purchases join history settings dashboard more back next previous close "
    "show hide new edit delete add remove yes of for to"
)
ENGLISH_WORDS = frozenset(_ENGLISH.split())
WORD = re.compile(r"[A-Za-z]+")


def english_on(page, english: set[str], own: set[str]) -> list[str]:
    """Texts on the page that are the code's English: a translated msgid word for word, or a
    text with a word only English writes, outside the merchant's own words."""
    found = set()
    for text in page.evaluate(TEXTS):
        if text in own or any(word and word in text for word in own):
            continue
        if text in english or any(w.lower() in ENGLISH_WORDS for w in WORD.findall(text)):
            found.add(text)
    return sorted(found)


def signed_in(browser, live_server, user, language: str):
    context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    sign_in_browser(context, live_server, user)
    return context


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_the_customer_the_cashier_and_the_owner_read_their_language(
    browser, live_server, merchant_a, shop_a, cashier_a, owner_a, ana, language
):
    name_tiers(merchant_a)
    english = english_of(language)
    own = merchant_words(merchant_a)
    tier_name = TIER_NAMES[ana.tier.name][language]
    contexts = []
    try:
        # The join page, as a new customer's phone opens it.
        contexts.append(browser.new_context(locale=language))
        page = contexts[-1].new_page()
        page.goto(f"{live_server.url}/m/aroma/join")
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert english_on(page, english, own) == []

        # The member's card: Ana reads the language she chose.
        ana.language = language
        ana.save()
        contexts.append(signed_in(browser, live_server, ana.user, language))
        page = contexts[-1].new_page()
        page.goto(f"{live_server.url}/m/aroma/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        # Her tier, as the merchant named it in her language.
        expect(page.locator("#tier-title")).to_contain_text(tier_name)
        # The reward within reach, as the merchant named it in her language.
        expect(page.locator("main")).to_contain_text(COFFEE[language])
        assert english_on(page, english, own) == []

        # A sale at the POS: find Ana by her card, 23,50 as both languages write it, record it.
        contexts.append(signed_in(browser, live_server, cashier_a, language))
        page = contexts[-1].new_page()
        page.goto(f"{live_server.url}/pos/")
        page.wait_for_load_state("load")
        assert english_on(page, english, own) == []
        page.locator("input[name=q]").fill(ana.card_number)
        page.locator("input[name=q]").press("Enter")
        expect(page.locator("[data-balance]")).to_be_visible()
        expect(page.locator(".badge.tier").first).to_have_text(tier_name)
        assert english_on(page, english, own) == []
        page.locator("input[name=amount]").fill("23,50")
        page.locator("button.pos-record").click()
        expect(page.locator("#pos-counter")).to_contain_text("1")
        expect(page.get_by_role("heading", level=2).first).to_be_visible()
        assert english_on(page, english, own) == []

        # The owner's dashboard.
        contexts.append(signed_in(browser, live_server, owner_a, language))
        page = contexts[-1].new_page()
        page.goto(f"{live_server.url}/portal/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert english_on(page, english, own) == []
    finally:
        for context in contexts:
            context.close()
