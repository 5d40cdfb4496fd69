"""The portal's guide to connecting a till: the API in steps, with curl commands to copy.

For the demo merchant the commands carry its published key and real card numbers, so they work
as pasted; for any other merchant they read the key from $FIDELA_KEY.
"""

import json
import shlex
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from loyalty.api.demo import DEMO_API_KEY, demo_key
from loyalty.api.idempotency import RETENTION
from loyalty.api.problems import STATUS_BY_CODE
from loyalty.models import Merchant, Role
from loyalty.tenancy.permissions import staff_required
from members.models import Member, MemberStatus

EXAMPLE_CARD = "4242424242"


@dataclass(frozen=True)
class Example:
    slug: str
    title: str
    text: str
    command: str


def curl(method: str, url: str, key: str, body: dict | None = None, *, idem: str = "") -> str:
    lines = [f"curl -sS -X {method} {shlex.quote(url)}"]
    lines.append(f'  -H "Authorization: Bearer {key}"')
    if idem:
        lines.append(f'  -H "Idempotency-Key: {idem}"')
    if body is not None:
        lines.append('  -H "Content-Type: application/json"')
        lines.append(f"  -d {shlex.quote(json.dumps(body, ensure_ascii=False))}")
    return " \\\n".join(lines)


def examples(merchant: Merchant, *, key: str, base: str) -> list[Example]:
    """The guide's steps, each a curl command that works as pasted against this merchant."""
    # Long: one list of the guide's steps in reading order; a test runs each of them.
    member = (
        Member.objects.for_merchant(merchant)
        .filter(status=MemberStatus.ACTIVE)
        .exclude(email="")
        .order_by("-points_balance", "pk")
        .first()
    )
    card = member.card_number if member else EXAMPLE_CARD
    return [
        Example(
            "program",
            _("1. Check the connection"),
            _(
                "Answers your program: currency, points per unit, tiers. A 401 means the key "
                "is wrong or revoked."
            ),
            curl("GET", f"{base}/program", key),
        ),
        Example(
            "find",
            _("2. Find the customer"),
            _(
                "By the card number or the QR code scanned at the till, a phone number "
                "(?phone=) or an email (?email=). An empty list: not a member yet."
            ),
            curl("GET", f"{base}/members?card={card}", key),
        ),
        Example(
            "enrol",
            _("3. Or enrol them"),
            _(
                "An email or a phone is needed; a duplicate is a 409. The answer has the new "
                "card number."
            ),
            curl(
                "POST",
                f"{base}/members",
                key,
                {
                    "email": "new.customer@example.com",
                    "first_name": "Ioana",
                    "email_marketing": True,
                },
                idem="enrol-new.customer",
            ),
        ),
        Example(
            "purchase",
            _("4. Report the sale"),
            _(
                "external_id is your receipt number: sending the same receipt again records "
                "nothing new and returns the first answer. member is null for a customer "
                "without a card; the answer then has a claim_code to print on the receipt."
            ),
            curl(
                "POST",
                f"{base}/purchases",
                key,
                {
                    "external_id": "TILL1-000123",
                    "member": card,
                    "amount": "23.50",
                    "items": [
                        {"sku": "LATTE", "name": "Latte", "quantity": 2, "unit_price": "4.50"},
                        {
                            "sku": "CAKE",
                            "name": "Carrot cake",
                            "quantity": 1,
                            "unit_price": "14.50",
                        },
                    ],
                },
                idem="TILL1-000123",
            ),
        ),
        Example(
            "refund",
            _("5. Refund part of it"),
            _("The points earned on the refunded part are taken back."),
            curl(
                "POST",
                f"{base}/purchases/TILL1-000123/refunds",
                key,
                {"external_id": "TILL1-R-000045", "amount": "4.50"},
                idem="TILL1-R-000045",
            ),
        ),
        Example(
            "rewards",
            _("6. Show what the points buy"),
            _(
                "Active rewards with their points cost; redeem one for the member with "
                'POST /members/{card}/redemptions and {"reward": id}: the answer is the '
                "voucher."
            ),
            curl("GET", f"{base}/rewards", key),
        ),
        Example(
            "voucher",
            _("7. Take a voucher at the till"),
            _(
                "Put the codes in the vouchers list of the sale: if one cannot be used, nothing is "
                "recorded and the answer names the code and why. GET /vouchers/{code} checks "
                "a code without using it."
            ),
            curl(
                "POST",
                f"{base}/purchases",
                key,
                {
                    "external_id": "TILL1-000124",
                    "member": card,
                    "amount": "18.00",
                    "vouchers": ["ABCD-EFGH"],
                },
            ),
        ),
    ]


@require_GET
@staff_required(Role.OWNER)
def api_guide(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    # The address this page was reached at: behind a proxy, on another port or host, the
    # commands still point at this Fidela (SITE_URL may say 127.0.0.1:8000).
    base = request.build_absolute_uri("/api/v1/").rstrip("/")
    demo = demo_key(merchant)
    key = DEMO_API_KEY if demo is not None else "$FIDELA_KEY"
    codes: dict[int, list[str]] = {}
    for code, status in sorted({**STATUS_BY_CODE, "malformed": 400, "throttled": 429}.items()):
        codes.setdefault(status, []).append(code)
    context = {
        "section": "api_guide",
        "base": base,
        "demo_key": demo,
        "key": key,
        "examples": examples(merchant, key=key, base=base),
        "codes": sorted(codes.items()),
        "rate": merchant.api_rate,  # what the API grants, not more
        "retention_hours": int(RETENTION.total_seconds() // 3600),
    }
    return render(request, "portal/settings/api_guide.html", context)
