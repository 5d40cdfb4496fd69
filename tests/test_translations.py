"""The Romanian and Russian catalogues are complete, final and compiled (issue 18).

Three ways a language falls behind the code, each a failure here (and so in `.ci/run`):
- a string of the code (Python or template) that the catalogue does not hold, or holds
  untranslated: `makemessages` is run into a copy of the catalogues and the two are compared;
- a fuzzy translation (a guess of gettext's, never shown to anyone);
- a compiled catalogue (`.mo`, what Django reads) older than its `.po`.

`make messages` brings the catalogues up to date with the code and compiles them.
"""

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("ro", "ru")
# What `make messages` leaves out, here too: the tests, the benchmarks and the virtualenv.
IGNORED = [".venv", "tests", "bench", "node_modules", "*.min.js"]


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def _key(entry: polib.POEntry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)

    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]

    assert untranslated == [], f"{len(untranslated)} strings without a {language} translation"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy {language} translations"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_are_the_language_s_own(language):
    po = catalogue(language)
    forms = {"ro": "nplurals=3", "ru": "nplurals=4"}[language]

    assert po.metadata["Plural-Forms"].startswith(forms)
    for entry in po:
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == int(forms[-1]), entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid


def test_romanian_writes_s_and_t_with_the_comma_below():
    po = catalogue("ro")
    texts = [entry.msgstr for entry in po] + [
        form for entry in po for form in entry.msgstr_plural.values()
    ]

    cedilla = [text for text in texts if set(text) & set("şţŞŢ")]

    assert cedilla == []


@pytest.mark.skipif(
    shutil.which("xgettext") is None and not os.environ.get("CI"),
    reason="gettext's xgettext is not installed (CI installs it, and never skips this)",
)
def test_the_catalogues_hold_every_string_of_the_code(tmp_path, monkeypatch):
    # makemessages updates the catalogues in place: it runs on them, and they are put back as
    # they were whatever happens, so the test reads what the code holds and changes nothing.
    sources = {
        language: ROOT / "locale" / language / "LC_MESSAGES" / "django.po" for language in LANGUAGES
    }
    held = {language: {_key(entry) for entry in catalogue(language)} for language in LANGUAGES}
    for language, source in sources.items():
        shutil.copy(source, tmp_path / f"{language}.po")
    monkeypatch.chdir(ROOT)  # makemessages reads the files under the current folder
    try:
        call_command(
            "makemessages",
            locale=list(LANGUAGES),
            ignore_patterns=IGNORED,
            no_obsolete=True,
            verbosity=0,
        )
        fresh = {language: polib.pofile(str(source)) for language, source in sources.items()}
    finally:
        for language, source in sources.items():
            shutil.copy(tmp_path / f"{language}.po", source)

    for language in LANGUAGES:
        missing = sorted(e.msgid for e in fresh[language] if _key(e) not in held[language])
        assert missing == [], f"not in locale/{language}: {missing[:10]} (run make messages)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language):
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    source = catalogue(language)
    compiled = polib.mofile(str(folder / "django.mo"))

    def translations(entries):
        return {
            _key(entry): (entry.msgstr, tuple(sorted(entry.msgstr_plural.items())))
            for entry in entries
            if entry.msgid and not entry.obsolete and "fuzzy" not in entry.flags
        }

    assert translations(compiled) == translations(source), "stale .mo: run make messages"
