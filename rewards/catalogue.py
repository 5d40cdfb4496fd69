"""The catalogue of rewards: creating and editing entries, archiving and restoring them, their
order, and the sample rewards every new merchant starts with.

Redeeming and vouchers are in rewards/services.py; nothing here touches points or vouchers.
"""

import hashlib
from decimal import Decimal
from io import BytesIO

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from loyalty.audit import log_action
from loyalty.content import in_each_language
from loyalty.models import Merchant, User
from loyalty.money import format_money, format_percent
from rewards.models import Reward, RewardKind

PICTURE_MAX_PX = 800  # the longest side of a reward's picture, twice what a phone shows
PICTURE_QUALITY = 82


def create_sample_rewards(merchant: Merchant) -> list[Reward]:
    """Three rewards that make sense with the default program, for a new merchant to edit.

    With the default program (1 point per unit spent, a point worth 0.01) each costs about what
    it is worth: 300 points for a 3.00 coffee.
    """
    tiers = list(merchant.tiers.order_by("threshold"))
    silver = tiers[1] if len(tiers) > 1 else None

    def coffee() -> dict[str, str]:
        return {
            "name": _("Free coffee"),
            "description": _("Any coffee from the menu, on us."),
            "item": _("Coffee"),
        }

    def five_off() -> dict[str, str]:
        return {
            "name": _("%(amount)s off your next purchase")
            % {"amount": format_money(5, merchant, places=0)},
            "description": _("On a purchase of %(amount)s or more.")
            % {"amount": format_money(15, merchant, places=0)},
        }

    def fifteen_percent() -> dict[str, str]:
        return {
            "name": _("%(percent)s off one purchase") % {"percent": format_percent(15)},
            "description": _("Up to %(amount)s off.")
            % {"amount": format_money(15, merchant, places=0)},
        }

    terms = [
        (
            coffee,
            {"kind": RewardKind.FREE_ITEM, "value": Decimal("3.00"), "points_cost": 300},
        ),
        (
            five_off,
            {
                "kind": RewardKind.AMOUNT_OFF,
                "value": Decimal("5.00"),
                "min_purchase": Decimal("15.00"),
                "points_cost": 500,
            },
        ),
        (
            fifteen_percent,
            {
                "kind": RewardKind.PERCENT_OFF,
                "value": Decimal("15"),
                "max_discount": Decimal("15.00"),
                "points_cost": 1000,
                "min_tier": silver,
            },
        ),
    ]
    samples = []
    for position, (words, fields) in enumerate(terms):
        # Written in the merchant's language, and in the others as the reward's translations;
        # the free item's name is what the till knows, so it stays in the merchant's.
        own, translations = in_each_language(merchant, words)
        for other in translations.values():
            other.pop("item", None)
        samples.append(
            Reward(
                merchant=merchant,
                position=position,
                translations=translations,
                **own,
                **fields,
            )
        )
    return Reward.objects.bulk_create(samples)


def picture_file(upload: File) -> ContentFile:
    """A reward's uploaded picture made fit for a phone: turned upright, at most 800 px on its
    longest side, as WebP, with none of its metadata (EXIF, GPS, camera, ICC), and named by its
    content's hash, so the same picture is one file and its address never changes meaning."""
    upload.seek(0)
    with Image.open(upload) as original:
        original.seek(0)  # the first frame of an animated GIF or WebP
        picture = ImageOps.exif_transpose(original)
        picture.thumbnail((PICTURE_MAX_PX, PICTURE_MAX_PX), Image.Resampling.LANCZOS)
        has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
        # A fresh image: only the pixels are copied, never the file's metadata.
        clean = Image.new("RGBA" if has_alpha else "RGB", picture.size)
        clean.paste(picture.convert(clean.mode))
    out = BytesIO()
    clean.save(out, "WEBP", quality=PICTURE_QUALITY, method=4)
    data = out.getvalue()
    return ContentFile(data, name=f"{hashlib.sha256(data).hexdigest()[:24]}.webp")


def _store_new_picture(reward: Reward) -> None:
    # A FieldFile not yet committed is a fresh upload; a kept picture is already stored.
    if not reward.image or getattr(reward.image, "_committed", True):
        return
    content = picture_file(reward.image)
    name = reward.image.field.generate_filename(reward, content.name)
    if reward.image.storage.exists(name):  # the same picture again: one file
        reward.image.name = name
        reward.image._committed = True
    else:
        reward.image.save(content.name, content, save=False)


def save_reward(*, reward: Reward, actor: User | None) -> Reward:
    """Create or update a catalogue entry; a new total stock moves the stock left with it, and
    a newly uploaded picture is stored resized and stripped (`picture_file`)."""
    created = reward.pk is None
    _store_new_picture(reward)
    with transaction.atomic():
        if created:
            reward.stock_left = reward.stock
            if not reward.position:
                last = Reward.objects.for_merchant(reward.merchant).order_by("-position").first()
                reward.position = (last.position + 1) if last else 0
            reward.save()
        else:
            current = Reward.objects.select_for_update().get(pk=reward.pk)
            if reward.stock is None:
                reward.stock_left = None
            elif current.stock is None:
                reward.stock_left = reward.stock
            else:
                reward.stock_left = max(0, (current.stock_left or 0) + reward.stock - current.stock)
            reward.save()
        log_action(
            merchant=reward.merchant,
            actor=actor,
            action="rewards.reward.created" if created else "rewards.reward.updated",
            target=reward,
            data={"points_cost": reward.points_cost, "kind": reward.kind},
        )
    return reward


@transaction.atomic
def archive_reward(*, reward: Reward, actor: User | None, archived: bool = True) -> Reward:
    """Take a reward out of the catalogue (or bring it back). Issued vouchers stay valid."""
    reward.archived_at = timezone.now() if archived else None
    reward.save(update_fields=["archived_at"])
    log_action(
        merchant=reward.merchant,
        actor=actor,
        action="rewards.reward.archived" if archived else "rewards.reward.restored",
        target=reward,
    )
    return reward


@transaction.atomic
def move_reward(*, reward: Reward, actor: User | None, offset: int) -> None:
    """Move a reward up (-1) or down (+1) in the catalogue's order."""
    rewards = list(
        Reward.objects.for_merchant(reward.merchant)
        .filter(archived_at__isnull=True)
        .select_for_update()
        .order_by("position", "points_cost", "id")
    )
    index = next(i for i, r in enumerate(rewards) if r.pk == reward.pk)
    target = index + offset
    if not 0 <= target < len(rewards):
        return
    rewards[index], rewards[target] = rewards[target], rewards[index]
    for position, item in enumerate(rewards):
        if item.position != position:
            item.position = position
    Reward.objects.bulk_update(rewards, ["position"])
