"""QR codes as inline SVG: the member's card, a voucher, the receipt's survey, the counter poster.

Black on white, as scanners and phones' cameras need; the module size is in the SVG's own
units and CSS sizes the picture to the screen or the page.
"""

import segno

QR_SCALE = 8


def qr_svg(payload: str, title: str, *, css_class: str = "qr-code", scale: int = QR_SCALE) -> str:
    """The payload as an inline <svg>, named by its <title> and announced as one picture."""
    svg = segno.make(payload, error="m").svg_inline(
        scale=scale,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        title=title,
        svgclass=css_class,
        lineclass=None,
    )
    # The <title> names the picture; role="img" makes screen readers announce it as one.
    return svg.replace("<svg ", '<svg role="img" ', 1)
