"""Portal pages of the stamp cards (managers and owners): the list with each card's results, the
form for a new or an existing card, and switching a card off."""

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required
from rewards.models import StampCard, VoucherStatus
from rewards.portal.stamp_forms import StampCardForm
from rewards.stamp_cards import deactivate_stamp_card, save_stamp_card


def cards_with_results(merchant) -> QuerySet[StampCard]:
    """The merchant's stamp cards, each with its results counted in the same statement.

    `in_progress`: members with a card of it being filled (at least one stamp); `filled`: cards
    filled; `vouchers_used`: vouchers of filled cards used at the till.
    """
    return (
        StampCard.objects.for_merchant(merchant)
        .select_related("reward")
        .annotate(
            in_progress=Count(
                "member_cards__member",
                filter=Q(member_cards__filled_at__isnull=True, member_cards__stamps__gt=0),
                distinct=True,
            ),
            filled=Count(
                "member_cards", filter=Q(member_cards__filled_at__isnull=False), distinct=True
            ),
            vouchers_used=Count(
                "member_cards",
                filter=Q(
                    member_cards__filled_at__isnull=False,
                    member_cards__voucher__status=VoucherStatus.USED,
                ),
                distinct=True,
            ),
        )
        .order_by("-active", "name", "id")
    )


def _card_or_404(request: HttpRequest, card_id: int) -> StampCard:
    cards = StampCard.objects.for_merchant(request.merchant).select_related("merchant", "reward")
    return get_object_or_404(cards, pk=card_id)


@require_GET
@staff_required(Role.MANAGER)
def stamp_card_list(request: HttpRequest) -> HttpResponse:
    context = {
        "cards": list(cards_with_results(request.merchant)),
        "nav": "rewards",
        "tab": "stamp_cards",
    }
    return render(request, "portal/rewards/stamp_cards.html", context)


def _form_page(request: HttpRequest, card: StampCard | None) -> HttpResponse:
    merchant = request.merchant
    form = StampCardForm(
        request.POST or None,
        instance=_card_or_404(request, card.pk) if card else None,  # the form edits a copy
        merchant=merchant,
    )
    if request.method == "POST" and form.is_valid():
        saved = save_stamp_card(
            merchant=merchant, actor=request.user, card=card, **form.fields_to_save()
        )
        if card is None:
            message = _("Stamp card “%(name)s” created.")
        else:
            message = _("Stamp card “%(name)s” saved.")
        messages.success(request, message % {"name": saved.name})
        return redirect("portal:stamp_cards")
    context = {
        "form": form,
        "card": card,
        "has_rewards": form.fields["reward"].queryset.exists(),
        "nav": "rewards",
        "tab": "stamp_cards",
    }
    return render(request, "portal/rewards/stamp_cards_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def stamp_card_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def stamp_card_edit(request: HttpRequest, card_id: int) -> HttpResponse:
    return _form_page(request, _card_or_404(request, card_id))


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def stamp_card_deactivate(request: HttpRequest, card_id: int) -> HttpResponse:
    card = _card_or_404(request, card_id)
    if not card.active:
        messages.info(request, _("“%(name)s” is already switched off.") % {"name": card.name})
        return redirect("portal:stamp_cards")
    if request.method == "POST":
        deactivate_stamp_card(card=card, actor=request.user)
        messages.success(
            request,
            _("“%(name)s” is switched off: purchases no longer earn its stamps.")
            % {"name": card.name},
        )
        return redirect("portal:stamp_cards")
    context = {"card": card, "nav": "rewards", "tab": "stamp_cards"}
    return render(request, "portal/rewards/stamp_cards_deactivate.html", context)
