"""A merchant's brand on the pages its members see: its colour and a text colour readable on it.

Used by the member page, the portal's reward preview (the same card) and the branded emails.
"""

import re

from loyalty.models import Merchant

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BRAND = "#0f766e"
DARK_INK = "#111827"


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def brand_colours(merchant: Merchant) -> dict[str, str]:
    """The merchant's colour, and the text colour that stays readable on it (WCAG 4.5:1)."""
    brand = merchant.brand_color if _HEX_COLOUR.match(merchant.brand_color or "") else ""
    brand = brand or DEFAULT_BRAND
    on_white = 1.05 / (_luminance(brand) + 0.05)
    return {"brand": brand, "brand_ink": "#ffffff" if on_white >= 4.5 else DARK_INK}
