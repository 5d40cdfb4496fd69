"""Business settings: the members' links in full, and the printable counter poster."""

import html
from pathlib import Path

import pytest
import segno

pytestmark = pytest.mark.django_db
PROFILE = "/portal/settings/profile/"
POSTER = "/portal/settings/poster/"


def test_the_profile_shows_the_absolute_links_to_copy(owner_client, merchant_a):
    page = owner_client.get(PROFILE).content.decode()

    join = f"http://testserver/m/{merchant_a.slug}/join"
    assert f'<input type="text" id="join-url" value="{join}" readonly' in page
    assert f'value="http://testserver/m/{merchant_a.slug}/"' in page
    assert 'data-copy="join-url"' in page
    assert f'href="{POSTER}"' in page


def test_the_links_follow_the_address_the_owner_used(owner_client, merchant_a, settings):
    settings.ALLOWED_HOSTS = ["*"]

    page = owner_client.get(PROFILE, HTTP_HOST="loyalty.example.com").content.decode()

    assert f'value="http://loyalty.example.com/m/{merchant_a.slug}/join"' in page


def test_the_poster_has_the_name_the_qr_code_and_the_short_link(owner_client, merchant_a):
    answer = owner_client.get(POSTER)

    assert answer.status_code == 200
    page = answer.content.decode()
    assert f"Scan to join {merchant_a.name}'s rewards" in html.unescape(page)
    assert answer.context["join_url"] == f"http://testserver/m/{merchant_a.slug}/join"
    svg = answer.context["qr_svg"]
    assert svg.startswith('<svg role="img"') and 'class="poster-qr"' in svg
    assert svg in page  # inline, not an image file
    assert "<title>QR code of the join page</title>" in svg
    assert f"testserver/m/{merchant_a.slug}/join</strong>" in page  # the short link
    assert "data-print" in page  # the print button, handled by app.js


def test_the_poster_encodes_the_join_url(owner_client, merchant_a):
    answer = owner_client.get(POSTER)

    expected = segno.make(answer.context["join_url"], error="m").svg_inline(
        scale=10, border=4, dark="#000", light="#fff", omitsize=True, lineclass=None
    )
    # The same modules as a code made from the join URL (its path, not its title or class).
    path = expected.split(' d="', 1)[1].split('"', 1)[0]
    assert path in answer.context["qr_svg"]


def test_the_poster_uses_the_brand_colour(owner_client, merchant_a):
    merchant_a.brand_color = "#aa3300"
    merchant_a.save()

    page = owner_client.get(POSTER).content.decode()

    assert ".poster { --brand: #aa3300;" in page


def test_the_poster_has_a_print_stylesheet():
    css = (Path(__file__).resolve().parents[3] / "static" / "css" / "app.css").read_text()
    block = css[css.index("counter poster (portal/settings/poster.html)") :]

    assert "@media print" in block and "size: A4" in block


def test_the_poster_is_for_the_owner(manager_client, cashier_client):
    assert manager_client.get(POSTER).status_code == 403
    assert cashier_client.get(POSTER).status_code == 403


def test_the_outsider_gets_their_own_poster(outsider_client, merchant_b):
    answer = outsider_client.get(POSTER)

    assert answer.context["join_url"].endswith(f"/m/{merchant_b.slug}/join")
