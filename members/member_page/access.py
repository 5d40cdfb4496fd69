"""Who may see a member page: the merchant comes from the slug, the card from the sign-in.

A signed-in person sees only the card of *this* merchant that is linked to their account;
another merchant's slug shows them nothing of the first one (each page starts its queries from
the merchant of its own URL).
"""

from functools import wraps

from allauth.account.adapter import get_adapter
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from loyalty.languages import speak
from loyalty.models import Merchant, User
from loyalty.ratelimit import hit
from members.branding import brand_colours
from members.devices import remember_device
from members.models import Member, MemberStatus

PHONE_CARDS_KEY = "fidela_phone_cards"  # {merchant id: (member id, phone)} proven by SMS
JOIN_LIMIT = 10  # join attempts per IP address…
JOIN_WINDOW_SECONDS = 60 * 60  # …per hour


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


def phone_card(merchant: Merchant, request: HttpRequest) -> Member | None:
    """The card this browser proved with an SMS code at this merchant (see sign_in_by_phone).

    Only this merchant's: a phone proven at one merchant opens nothing at another, even when
    the member's sign-in account holds cards there (the merchant's staff set the phone).
    """
    member_id, phone = request.session.get(PHONE_CARDS_KEY, {}).get(str(merchant.pk), (0, ""))
    if not member_id:
        return None
    # The phone must still be the card's: a number handed to someone else ends the session.
    return (
        Member.objects.for_merchant(merchant)
        .filter(pk=member_id, phone=phone)
        .exclude(status=MemberStatus.ANONYMIZED)
        .select_related("merchant", "tier")
        .first()
    )


def viewer_card(merchant: Merchant, request: HttpRequest) -> Member | None:
    """The card of this merchant the browser is signed in to: by account, else by phone."""
    return card_of(merchant, request.user) or phone_card(merchant, request)


def sign_in_by_phone(request: HttpRequest, member: Member) -> None:
    """Open `member`'s card to this browser, for this merchant only, after its SMS code.

    A phone-only member has no sign-in account, and an account can hold other merchants'
    cards, so no account is logged in: the session remembers the card. Someone else's session
    in this browser ends first; the session key changes either way (no fixation).
    """
    if request.user.is_authenticated and request.user.pk != member.user_id:
        logout(request)
    else:
        request.session.cycle_key()
    cards = dict(request.session.get(PHONE_CARDS_KEY, {}))
    cards[str(member.merchant_id)] = (member.pk, member.phone)
    request.session[PHONE_CARDS_KEY] = cards


def forget_phone_card(request: HttpRequest, merchant: Merchant) -> bool:
    """Drop this merchant's phone sign-in; True when the browser still holds another card."""
    cards = dict(request.session.get(PHONE_CARDS_KEY, {}))
    cards.pop(str(merchant.pk), None)
    request.session[PHONE_CARDS_KEY] = cards
    return bool(cards)


def merchant_page(view):
    """A public page of the merchant named by the slug; an unknown slug is a 404. It speaks
    the language of the card this browser holds here, if any, like the card's own pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, merchant_slug: str, **kwargs):
        merchant = get_object_or_404(Merchant, slug=merchant_slug)
        signed_in = request.user.is_authenticated or request.session.get(PHONE_CARDS_KEY)
        member = viewer_card(merchant, request) if signed_in else None
        speak(request, merchant, member.language if member else "")
        return remember_device(request, view(request, merchant, **kwargs))

    return wrapper


def member_required(view):
    """The signed-in person's card at the merchant of the slug, or the member sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, merchant_slug: str, **kwargs):
        merchant = get_object_or_404(Merchant, slug=merchant_slug)
        member = viewer_card(merchant, request)
        speak(request, merchant, member.language if member else "")
        if member is None:
            return redirect_to_login(
                request.get_full_path(),
                login_url=reverse("member:login", kwargs={"merchant_slug": merchant.slug}),
            )
        return remember_device(request, view(request, merchant, member, **kwargs))

    return wrapper


def join_allowed(request: HttpRequest, merchant: Merchant) -> bool:
    """Counts a join attempt of the client's IP address at this merchant; False once over the
    hourly limit.

    The count is loyalty.ratelimit's (atomic, in the database), so it holds across processes;
    it is per merchant, so a busy network at one merchant never locks out another's page.
    """
    key = f"fidela:join:m{merchant.pk}:{get_adapter().get_client_ip(request)}"
    return hit(key, JOIN_WINDOW_SECONDS) <= JOIN_LIMIT


def render_member_page(
    request: HttpRequest, template: str, merchant: Merchant, context=None, status: int = 200
) -> HttpResponse:
    """Every member page is in the merchant's brand and links the web app manifest."""
    return render(
        request,
        template,
        {"merchant": merchant, **brand_colours(merchant), **(context or {})},
        status=status,
    )
