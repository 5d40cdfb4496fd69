"""The web app manifest and its icon, so the card can live on a phone's home screen."""

import json


def test_the_manifest_names_the_merchant_in_its_colour(client, merchant_a):
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()

    answer = client.get("/m/aroma/manifest.webmanifest")

    data = json.loads(answer.content)
    assert answer["Content-Type"] == "application/manifest+json"
    assert data["name"] == "Aroma Café"
    assert data["start_url"] == "/m/aroma/"
    assert data["display"] == "standalone"
    assert data["theme_color"] == "#7c2d12"
    assert data["icons"][0]["type"] == "image/svg+xml"
    icon = client.get(data["icons"][0]["src"])
    assert icon["Content-Type"] == "image/svg+xml"
    assert 'fill="#7c2d12"' in icon.content.decode()
    assert ">A</text>" in icon.content.decode()


def test_a_light_brand_colour_gets_dark_text(client, merchant_a):
    merchant_a.brand_color = "#fde047"
    merchant_a.save()

    html = client.get("/m/aroma/join").content.decode()

    assert "--brand-ink: #111827" in html


def test_member_pages_link_the_manifest(ana_client):
    html = ana_client.get("/m/aroma/").content.decode()

    assert '<link rel="manifest" href="/m/aroma/manifest.webmanifest">' in html
