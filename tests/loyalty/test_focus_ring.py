"""The focus ring is readable on whatever it sits on (WCAG 2.2, 1.4.11 and 2.4.13: 3:1).

It has two tones (static/css/app.css, --focus-dark between rings of --focus-light): whichever
colour is behind it, at least one tone must reach 3:1 against that colour, and the two tones
against each other, so the ring shows on the light page, on a card, on the merchant's
brand-coloured header of the portal, the POS and the member page, on any brand colour.
"""

import itertools
import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static" / "css"
APP_CSS = (CSS / "app.css").read_text()
MIN_CONTRAST = 3.0
BRAND_COLOURS = {
    "default": "#0f766e",  # members/branding.py DEFAULT_BRAND, the portal's --brand
    "demo": "#9a3412",  # loyalty/demo/seed.py
    "tests": "#7c2d12",
    "white": "#ffffff",
    "black": "#000000",
    "mid-grey": "#777777",
    "grey": "#808080",
    "yellow": "#ffff00",
    "amber": "#fde047",
    "pure blue": "#0000ff",
    "pure red": "#ff0000",
    "the old ring's blue": "#2563eb",
}


def _hex(colour: str) -> str:
    colour = colour.lower()
    if len(colour) == 4:  # #abc
        colour = "#" + "".join(c * 2 for c in colour[1:])
    return colour


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        share = value / 255
        return share / 12.92 if share <= 0.04045 else ((share + 0.055) / 1.055) ** 2.4

    colour = _hex(colour)
    red, green, blue = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    light, dark = sorted([_luminance(one), _luminance(other)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _variable(name: str) -> str:
    match = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{3,6}})\b", APP_CSS)
    assert match, f"--{name} is not set in app.css"
    return match.group(1)


RING = (_variable("focus-dark"), _variable("focus-light"))


def _best(background: str) -> float:
    return max(contrast(tone, background) for tone in RING)


def test_the_wcag_formula_gives_the_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#fff", "#fff") == pytest.approx(1)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    # The single blue ring of before, on the demo's brand-coloured header: 1.41:1.
    assert contrast("#2563eb", "#9a3412") == pytest.approx(1.41, abs=0.01)


def test_the_focus_rules_use_the_two_tones():
    rule = re.search(r"(?m)^:focus-visible\s*\{([^}]*)\}", APP_CSS)
    assert rule, "app.css has no global :focus-visible rule"
    assert "outline: 3px solid var(--focus-dark)" in rule.group(1)
    assert "var(--focus-light)" in rule.group(1).split("box-shadow", 1)[1]
    # Every other focus rule of the stylesheets draws with the same two tones.
    for sheet in sorted(CSS.glob("*.css")):
        for selector, body in re.findall(r"([^{}]*:focus[^{}]*)\{([^}]*)\}", sheet.read_text()):
            if "outline" in body and "outline: none" not in body:
                assert "var(--focus-dark)" in body and "var(--focus-light)" in body, (
                    f"{sheet.name}: {selector.strip()} draws its own focus ring"
                )


def test_the_two_tones_stand_apart():
    assert contrast(*RING) >= 4.5


@pytest.mark.parametrize("colour", list(BRAND_COLOURS.values()), ids=list(BRAND_COLOURS))
def test_the_ring_shows_on_a_brand_coloured_header(colour):
    assert _best(colour) >= MIN_CONTRAST, f"{colour}: {_best(colour):.2f}:1"


def test_the_ring_shows_on_every_background_of_the_stylesheets():
    backgrounds = {_variable("bg"), _variable("card")}
    for sheet in CSS.glob("*.css"):
        for declaration in re.findall(r"background(?:-color)?:\s*([^;}]*)", sheet.read_text()):
            backgrounds |= set(re.findall(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", declaration))
    weak = {colour: round(_best(colour), 2) for colour in backgrounds if _best(colour) < 3}
    assert weak == {}


def test_the_ring_shows_on_any_colour_at_all():
    # Every colour of a 16-step grid of the RGB cube: 4096 brand colours a merchant might pick.
    steps = [f"{value:02x}" for value in range(0, 256, 17)]
    weakest = min(
        (_best(f"#{r}{g}{b}"), f"#{r}{g}{b}") for r, g, b in itertools.product(steps, repeat=3)
    )
    assert weakest[0] >= MIN_CONTRAST, weakest
