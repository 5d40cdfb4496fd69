"""A reward's picture: an upload is stored resized, as WebP, without its EXIF, under its
content's hash; without one, members see the drawing of the reward's kind."""

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from rewards.models import Reward, RewardKind
from tests.rewards.portal.test_reward_form import NEW, form_data

pytestmark = pytest.mark.django_db


def camera_jpeg(size=(2400, 1600)) -> bytes:
    """A photo as a phone takes it: a large JPEG whose EXIF says where and with what."""
    picture = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[0x0131] = "Camera app"  # Software
    exif[0x8825] = {1: "N", 2: (46.0, 46.0, 10.0)}  # GPS info: latitude
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif, quality=90)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif()[0x010F] == "PhoneMaker"  # the EXIF is there
    return data


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_an_uploaded_photo_is_resized_to_800_px_as_webp_without_its_exif(manager_client, media):
    upload = SimpleUploadedFile("coffee.jpg", camera_jpeg(), content_type="image/jpeg")

    manager_client.post(NEW, form_data(image=upload))

    reward = Reward.objects.get(name="Free muffin")
    stored = media / reward.image.name
    data = stored.read_bytes()
    with Image.open(stored) as picture:
        assert picture.format == "WEBP"
        assert picture.size == (800, 533)
        assert not picture.getexif()
        assert "exif" not in picture.info and "icc_profile" not in picture.info
    assert b"PhoneMaker" not in data and b"Phone 15" not in data
    # The name is the content's hash: the same picture always has the same address.
    assert reward.image.name == f"rewards/{hashlib.sha256(data).hexdigest()[:24]}.webp"


def test_a_small_picture_is_not_enlarged_and_keeps_its_transparency(manager_client, media):
    buffer = io.BytesIO()
    Image.new("RGBA", (120, 90), (0, 0, 0, 0)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("clear.png", buffer.getvalue(), content_type="image/png")

    manager_client.post(NEW, form_data(image=upload))

    with Image.open(media / Reward.objects.get(name="Free muffin").image.name) as picture:
        assert picture.size == (120, 90)
        assert picture.mode == "RGBA"


def test_the_same_picture_twice_is_one_file(manager_client, media):
    photo = camera_jpeg((1000, 1000))
    manager_client.post(NEW, form_data(image=SimpleUploadedFile("a.jpg", photo)))
    manager_client.post(NEW, form_data(name="Free tea", image=SimpleUploadedFile("b.jpg", photo)))

    first, second = Reward.objects.filter(name__in=["Free muffin", "Free tea"])
    assert first.image.name == second.image.name
    assert len(list((media / "rewards").iterdir())) == 1


def test_editing_other_fields_keeps_the_stored_picture(manager_client, media):
    manager_client.post(NEW, form_data(image=SimpleUploadedFile("a.jpg", camera_jpeg())))
    reward = Reward.objects.get(name="Free muffin")
    name = reward.image.name

    manager_client.post(f"/portal/rewards/{reward.pk}/", form_data(points_cost="260"))

    reward.refresh_from_db()
    assert (reward.points_cost, reward.image.name) == (260, name)


@pytest.mark.parametrize("kind", RewardKind.values)
def test_every_kind_has_its_own_default_drawing(kind):
    picture = Reward(kind=kind).default_picture

    assert picture == f"img/rewards/{kind}.svg"
    drawing = Path(django_settings.BASE_DIR) / "static" / picture
    assert drawing.read_text().startswith("<svg")


def test_the_catalogue_shows_the_kinds_drawing_with_alt_text_and_its_size(ana):
    client = Client()
    client.force_login(ana.user)

    page = client.get("/m/aroma/rewards").content.decode()

    assert (
        '<img class="reward-image reward-image-default" src="/static/img/rewards/free_item.svg" '
        'alt="Free item" loading="lazy" decoding="async" width="96" height="96">'
    ) in page


def test_an_uploaded_picture_shows_on_the_members_catalogue(manager_client, media, ana):
    manager_client.post(NEW, form_data(image=SimpleUploadedFile("a.jpg", camera_jpeg())))
    reward = Reward.objects.get(name="Free muffin")
    client = Client()
    client.force_login(ana.user)

    page = client.get("/m/aroma/rewards").content.decode()

    assert (
        f'<img class="reward-image" src="/media/{reward.image.name}" alt="Picture of Free muffin" '
        'loading="lazy" decoding="async" width="96" height="96">'
    ) in page
