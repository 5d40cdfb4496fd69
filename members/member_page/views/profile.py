"""The member's own data: profile and consents, one-click unsubscribe, and the GDPR pair
(download my data, delete my account)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty.dates import DATE, format_day
from loyalty.errors import ValidationFailed
from loyalty.models import Merchant
from members.member_page.access import (
    forget_phone_card,
    member_required,
    merchant_page,
    render_member_page,
)
from members.member_page.forms import ProfileForm, consent_wording
from members.member_page.shell import page_url
from members.models import ConsentChannel, Member, MemberStatus
from members.services import consents as consents_mod
from members.services.consents import FIELDS as CONSENT_FIELDS
from members.services.consents import UNSUBSCRIBE_SALT, set_consent
from members.services.gdpr import anonymize_member, export_member_data
from members.services.profile import update_profile


def _consents(merchant: Merchant, member: Member) -> list[dict]:
    channels = [ConsentChannel.EMAIL] + ([ConsentChannel.SMS] if member.phone else [])
    return [
        {
            "channel": channel,
            "label": channel.label,
            "granted": getattr(member, CONSENT_FIELDS[channel]),
            "wording": consent_wording(merchant, channel),
        }
        for channel in channels
    ]


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    form = ProfileForm.for_member(member, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        birthday = form.birthday_text() if form.birthday_changed() else ""
        try:
            member = update_profile(
                member=member,
                actor=request.user if request.user.is_authenticated else None,
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
                birthday=birthday or "",
            )
        except ValidationFailed as exc:
            form.add_error("birth_day", exc.message)
        else:
            if birthday and member.pending_birthday_from:
                messages.success(
                    request,
                    _("Saved. Your new birthday counts from %(date)s.")
                    % {"date": format_day(member.pending_birthday_from, DATE)},
                )
            else:
                messages.success(request, _("Your profile is saved."))
            return redirect(page_url("profile", merchant))
    referral_url = request.build_absolute_uri(page_url("join", merchant))
    return render_member_page(
        request,
        "member/members/profile.html",
        merchant,
        {
            "member": member,
            "nav": "profile",
            "form": form,
            "consents": _consents(merchant, member),
            "referral_url": f"{referral_url}?ref={member.referral_code}",
        },
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def consent(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    """One button per channel: turns it on or off, with the wording shown next to it."""
    channel = request.POST.get("channel", "")
    shown = {row["channel"]: row for row in _consents(merchant, member)}
    if channel not in shown:
        raise Http404
    granted = request.POST.get("granted") == "on"
    set_consent(
        member=member,
        channel=channel,
        granted=granted,
        source="member_page",
        wording=shown[channel]["wording"],
    )
    label = shown[channel]["label"]
    if granted:
        messages.success(request, _("%(channel)s: on. Thank you!") % {"channel": label})
    else:
        messages.success(request, _("%(channel)s: off.") % {"channel": label})
    return redirect(page_url("profile", merchant) + "#consents")


def _unsubscribe_target(merchant: Merchant, token: str) -> tuple[Member, str]:
    """The member and channel a signed link names, if the member is this merchant's."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        member_id, channel = int(data["m"]), data["c"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404 from None
    member = Member.objects.for_merchant(merchant).filter(pk=member_id).first()
    if member is None or channel not in CONSENT_FIELDS:
        raise Http404
    return member, channel


# Mail clients send the one-click unsubscribe (RFC 8058) as a POST without any cookie: the
# signed token is the proof, so there is no CSRF token to check.
@csrf_exempt
@never_cache
@merchant_page
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, merchant: Merchant, token: str) -> HttpResponse:
    member, channel = _unsubscribe_target(merchant, token)
    context = {"channel_label": ConsentChannel(channel).label, "token": token}
    if request.method == "POST":
        consents_mod.unsubscribe(token)
        return render_member_page(request, "member/members/unsubscribed.html", merchant, context)
    context["already_off"] = not getattr(member, CONSENT_FIELDS[channel])
    return render_member_page(request, "member/members/unsubscribe.html", merchant, context)


@never_cache
@member_required
@require_GET
def data_export(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    response = JsonResponse(
        export_member_data(member),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = f'attachment; filename="{merchant.slug}-my-data.json"'
    return response


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    other_cards = request.user.is_authenticated and (
        Member.objects.filter(user=request.user)
        .exclude(pk=member.pk)
        .exclude(status=MemberStatus.ANONYMIZED)
        .exists()
    )
    if request.method == "POST":
        # No actor: the audit trail must not keep the person's account next to the erasure.
        anonymize_member(
            member=member, actor=None, reason=_("Deleted by the member on the member page")
        )
        other_cards = forget_phone_card(request, merchant) or other_cards
        if not other_cards:
            logout(request)
        return render_member_page(
            request, "member/members/deleted.html", merchant, {"other_cards": other_cards}
        )
    return render_member_page(
        request,
        "member/members/delete.html",
        merchant,
        {"member": member, "nav": "profile", "other_cards": other_cards},
    )
