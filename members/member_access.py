"""Who may see a member page: the merchant comes from the slug, the card from the sign-in.

A signed-in person sees only the card of *this* merchant that is linked to their account;
another merchant's slug shows them nothing of the first one (each page starts its queries from
the merchant of its own URL).
"""

import re
from functools import wraps

from allauth.account.adapter import get_adapter
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from loyalty.models import Merchant, User
from members.models import Member, MemberStatus

JOIN_LIMIT = 10  # join attempts per IP address…
JOIN_WINDOW_SECONDS = 60 * 60  # …per hour
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BRAND = "#0f766e"
DARK_INK = "#111827"


def card_of(merchant: Merchant, user: User) -> Member | None:
    """The signed-in person's card at this merchant, if they have one."""
    if not user.is_authenticated:
        return None
    return (
        Member.objects.for_merchant(merchant)
        .filter(user=user)
        .exclude(status=MemberStatus.ANONYMIZED)
        .select_related("merchant", "tier")
        .order_by("pk")
        .first()
    )


def merchant_page(view):
    """A public page of the merchant named by the slug; an unknown slug is a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, merchant_slug: str, **kwargs):
        merchant = get_object_or_404(Merchant, slug=merchant_slug)
        return view(request, merchant, **kwargs)

    return wrapper


def member_required(view):
    """The signed-in person's card at the merchant of the slug, or the member sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, merchant_slug: str, **kwargs):
        merchant = get_object_or_404(Merchant, slug=merchant_slug)
        member = card_of(merchant, request.user)
        if member is None:
            return redirect_to_login(
                request.get_full_path(),
                login_url=reverse("member:login", kwargs={"merchant_slug": merchant.slug}),
            )
        return view(request, merchant, member, **kwargs)

    return wrapper


def join_allowed(request: HttpRequest) -> bool:
    """Counts a join attempt of the client's IP address; False once over the hourly limit.

    The count lives in the shared cache (database or Redis), so it holds across processes.
    """
    key = f"fidela:join:{get_adapter().get_client_ip(request)}"
    cache.add(key, 0, JOIN_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, JOIN_WINDOW_SECONDS)
        count = 1
    return count <= JOIN_LIMIT


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
