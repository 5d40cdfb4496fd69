"""Sales at the till: for the member found, or for nobody (a claim code on the receipt).

An amount above the program's unusual amount asks the cashier to confirm it first.
"""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from feedback.surveys.links import receipt_qr_svg
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.points.hooks import probed_none
from loyalty.points.ledger import get_program
from loyalty.pos import queries as pos_queries
from loyalty.pos import services as pos_services
from loyalty.pos.forms import (
    PurchaseForm,
    ReverseForm,
    UndoForm,
)
from loyalty.pos.shell import (
    INVALID,
    client_ip,
    current_shop,
    found_member,
    member_context,
    pos_view,
    render_panel,
    was_found,
    with_new_token,
)
from members.models import Member
from rewards.engagement.queries import sale_stamps

VOUCHER_ERRORS = {
    "voucher_not_found",
    "voucher_used",
    "voucher_expired",
    "voucher_cancelled",
    "minimum_not_met",
    "too_many_attempts",
}


@require_GET
@pos_view(Role.CASHIER)
def sale(request: HttpRequest) -> HttpResponse:
    """A sale without a member: the receipt gets a code the customer can claim later."""
    current_shop(request)
    return render_panel(request, "sale", {"purchase_form": PurchaseForm()})


@require_POST
@pos_view(Role.CASHIER)
def purchase(request: HttpRequest, member_id: int | None = None) -> HttpResponse:
    """Record a sale at this shop, for the member in the URL or for nobody, once per token."""
    found = found_member(request, member_id) if member_id is not None else None
    shop = current_shop(request)
    if request.POST.get("change"):
        # "Change" on the unusual-amount question: the form again, to correct, same token.
        return _sale_panel(request, found, _to_correct(request.POST))
    form = PurchaseForm(request.POST, program=get_program(request.merchant))
    if form.is_valid() and form.needs_confirmation:
        return _sale_panel(request, found, form, confirm_sale=True)
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = pos_services.record_pos_purchase(
                shop=shop,
                member=found,
                amount=data["amount"],
                token=data["token"],
                receipt=data["receipt"],
                voucher=data["voucher"],
                actor=request.user,
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error("voucher" if exc.code in VOUCHER_ERRORS else None, exc.message)
        else:
            return render_panel(request, "result", _result_context(request, done))
    return _sale_panel(request, found, with_new_token(form), status=INVALID)


def _sale_panel(
    request: HttpRequest, found: Member | None, form: PurchaseForm, *, status: int = 200, **extra
) -> HttpResponse:
    """The sale form again, in the member's panel or the sale without a member."""
    if found is None:
        return render_panel(request, "sale", {"purchase_form": form, **extra}, status=status)
    return render_panel(
        request, "member", member_context(found, purchase_form=form, **extra), status=status
    )


def _to_correct(posted) -> PurchaseForm:
    """The sale form filled in with what was posted, without errors, the token unspent."""
    names = ("token", "amount", "receipt", "voucher")
    return PurchaseForm(initial={name: posted[name] for name in names if posted.get(name)})


def _result_context(request: HttpRequest, done: pos_services.PosSale) -> dict:
    sale = done.result.purchase
    # A new sale's member carries the sale probes (loyalty.points.hooks): a merchant without an
    # active survey or stamp card is not asked again for the answer.
    probed = done.result.member
    no_survey = probed is not None and probed_none(probed, "surveys")
    context = {
        "result": done.result,
        "sale": sale,
        "replayed": done.replayed,
        "used": done.voucher,
        # Without a receipt number the form's token was the external id: nothing to show.
        "receipt": "" if sale.external_id.startswith("pos-") else sale.external_id,
        "program": get_program(request.merchant),
        "can_undo": pos_services.can_undo(sale, request.user),
        "undo_form": UndoForm(initial={"purchase": sale.pk}),
        "reverse_form": ReverseForm(),
        "undo_minutes": int(pos_services.UNDO_WINDOW.total_seconds() // 60),
        # The merchant's survey for this sale, anonymous, when a survey is active.
        "survey_qr": ""
        if no_survey
        else receipt_qr_svg(
            sale, _("QR code of the survey about this visit"), merchant=request.merchant
        ),
    }
    if sale.member_id is not None:
        context["short_name"] = pos_queries.short_name(sale.member)
        context["member_found"] = was_found(request, sale.member_id)
        no_cards = probed is not None and probed_none(probed, "stamp_cards")
        context["sale_stamps"] = [] if no_cards else sale_stamps(sale)
    return context
