"""Every portal and POS page, read by staff who chose Romanian or Russian: none of the code's
English on it (issue 18). The browser walk (tests/e2e/test_languages_walk.py) reads four pages
as a person sees them; this reads every page of the staff walk as the server renders it.

"The code's English" is a text of the page that is word for word an English msgid whose
translation differs. What the merchant wrote is its own and may be in any language.
"""

import re
from html.parser import HTMLParser

import pytest

from rewards.models import Reward
from tests.e2e.test_languages_walk import english_of, merchant_words
from tests.loyalty.test_pages import owner_pages

SKIPPED = {"script", "style", "code", "pre", "textarea", "option"}


class PageTexts(HTMLParser):
    """The text nodes of a page and its labels for people (aria-label, title, placeholder)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skipping = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self._skipping += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "placeholder") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in SKIPPED and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data).strip()
        if text and not self._skipping:
            self.texts.append(text)


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_every_staff_page_speaks_the_staff_members_language(
    owner_client, owner_a, merchant_a, ids_of_a, language
):
    owner_a.language = language
    owner_a.save(update_fields=["language"])
    english = english_of(language)
    own = merchant_words(merchant_a) | set(
        Reward.objects.for_merchant(merchant_a).values_list("description", flat=True)
    )
    found = {}
    for url, content in owner_pages(owner_client, ids_of_a):
        assert f'<html lang="{language}"' in content, url
        texts = set(PageTexts(content).texts)
        left = sorted(text for text in texts if text in english and text not in own)
        if left:
            found[url] = left
    assert found == {}
