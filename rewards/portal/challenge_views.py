"""Portal pages of the challenges and badges (managers and owners): the list of challenges, the
form for a new or an existing one with its forecast before launch, a challenge's results,
switching one off; the badges and their form."""

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required
from rewards.challenges import deactivate_challenge, save_badge, save_challenge
from rewards.engagement.forecast import forecast
from rewards.models import Badge, Challenge, ChallengeCompletion
from rewards.portal.challenge_forms import BadgeForm, ChallengeForm

RESULTS_ROWS = 50


def challenges_with_results(merchant) -> QuerySet[Challenge]:
    """The merchant's challenges, each with its completions and members counted in the same
    statement."""
    return (
        Challenge.objects.for_merchant(merchant)
        .select_related("reward", "badge")
        .annotate(
            completed=Count("completions", distinct=True),
            members=Count("completions__member", distinct=True),
        )
        .order_by("-active", "name", "id")
    )


def _challenge_or_404(request: HttpRequest, challenge_id: int) -> Challenge:
    challenges = Challenge.objects.for_merchant(request.merchant).select_related(
        "merchant", "reward", "badge"
    )
    return get_object_or_404(challenges, pk=challenge_id)


def _page(tab: str = "challenges") -> dict:
    return {"nav": "rewards", "tab": tab}


@require_GET
@staff_required(Role.MANAGER)
def challenge_list(request: HttpRequest) -> HttpResponse:
    context = {"challenges": list(challenges_with_results(request.merchant)), **_page()}
    return render(request, "portal/rewards/challenges.html", context)


def _form_page(request: HttpRequest, challenge: Challenge | None) -> HttpResponse:
    merchant = request.merchant
    form = ChallengeForm(
        request.POST or None,
        # the form edits a copy: a forecast changes nothing of the saved challenge
        instance=_challenge_or_404(request, challenge.pk) if challenge else None,
        merchant=merchant,
    )
    result = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "forecast":
            result = forecast(form.instance)
        else:
            saved = save_challenge(
                merchant=merchant, actor=request.user, challenge=challenge, **form.fields_to_save()
            )
            if challenge is None:
                message = _("Challenge “%(name)s” created.")
            else:
                message = _("Challenge “%(name)s” saved.")
            messages.success(request, message % {"name": saved.name})
            return redirect("portal:challenges")
    context = {"form": form, "challenge": challenge, "forecast": result, **_page()}
    return render(request, "portal/rewards/challenges_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def challenge_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def challenge_edit(request: HttpRequest, challenge_id: int) -> HttpResponse:
    return _form_page(request, _challenge_or_404(request, challenge_id))


@require_GET
@staff_required(Role.MANAGER)
def challenge_results(request: HttpRequest, challenge_id: int) -> HttpResponse:
    challenge = _challenge_or_404(request, challenge_id)
    completions = ChallengeCompletion.objects.for_merchant(request.merchant).filter(
        challenge=challenge
    )
    totals = completions.aggregate(
        count=Count("pk"),
        members=Count("member", distinct=True),
        vouchers=Count("voucher"),
        vouchers_used=Count("voucher", filter=Q(voucher__status="used")),
    )
    latest = completions.select_related("member", "voucher").order_by("-created_at", "-id")
    context = {
        "challenge": challenge,
        "totals": totals,
        "latest": list(latest[:RESULTS_ROWS]),
        **_page(),
    }
    return render(request, "portal/rewards/challenges_results.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def challenge_deactivate(request: HttpRequest, challenge_id: int) -> HttpResponse:
    challenge = _challenge_or_404(request, challenge_id)
    if not challenge.active:
        messages.info(request, _("“%(name)s” is already switched off.") % {"name": challenge.name})
        return redirect("portal:challenges")
    if request.method == "POST":
        deactivate_challenge(challenge=challenge, actor=request.user)
        messages.success(
            request,
            _("“%(name)s” is switched off: members can no longer complete it.")
            % {"name": challenge.name},
        )
        return redirect("portal:challenges")
    context = {"challenge": challenge, **_page()}
    return render(request, "portal/rewards/challenges_deactivate.html", context)


# --- Badges --------------------------------------------------------------------------------------


@require_GET
@staff_required(Role.MANAGER)
def badge_list(request: HttpRequest) -> HttpResponse:
    badges = (
        Badge.objects.for_merchant(request.merchant)
        .annotate(holders_count=Count("holders", distinct=True))
        .order_by("-active", "name", "id")
    )
    context = {"badges": list(badges), **_page("badges")}
    return render(request, "portal/rewards/badges.html", context)


def _badge_page(request: HttpRequest, badge: Badge | None) -> HttpResponse:
    merchant = request.merchant
    form = BadgeForm(
        request.POST or None,
        instance=get_object_or_404(Badge.objects.for_merchant(merchant), pk=badge.pk)
        if badge
        else None,
        merchant=merchant,
    )
    if request.method == "POST" and form.is_valid():
        saved = save_badge(
            merchant=merchant, actor=request.user, badge=badge, **form.fields_to_save()
        )
        messages.success(request, _("Badge “%(name)s” saved.") % {"name": saved.name})
        return redirect("portal:badges")
    context = {"form": form, "badge": badge, **_page("badges")}
    return render(request, "portal/rewards/badges_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def badge_new(request: HttpRequest) -> HttpResponse:
    return _badge_page(request, None)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def badge_edit(request: HttpRequest, badge_id: int) -> HttpResponse:
    badge = get_object_or_404(Badge.objects.for_merchant(request.merchant), pk=badge_id)
    return _badge_page(request, badge)
