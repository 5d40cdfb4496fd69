"""Portal pages of the members (managers and owners): the list with its search, filters and
CSV export, adding a member, the member's page with edit, block and anonymize, the staff
leaderboard and the CSV import."""

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.segments.tags import tags_of
from loyalty import queries as loyalty_queries
from loyalty.audit import log_action
from loyalty.clock import local_today
from loyalty.dates import DATE, format_day
from loyalty.errors import DomainError
from loyalty.exports import csv_lines, csv_response, spreadsheet_cell
from loyalty.models import Role
from loyalty.models.points import Tier
from loyalty.points.ledger import get_program
from loyalty.tenancy.permissions import staff_required
from members import queries
from members.models import Member, MemberImport, MemberStatus
from members.portal.forms import (
    AnonymizeForm,
    ImportStartForm,
    ImportUploadForm,
    LeaderboardForm,
    MemberEditForm,
    MemberFilterForm,
    MemberForm,
    MergeForm,
)
from members.queries import member_by_card
from members.services.consents import FIELDS as CONSENT_FIELDS
from members.services.consents import (
    set_consent,
    ticked,
    wording_changed_in_the_portal,
    wording_in_the_portal,
)
from members.services.enrolment import DuplicateMember, enrol_member
from members.services.gdpr import anonymize_member
from members.services.imports import create_import, dry_run_import, start_import
from members.services.merge import merge_members, merge_refusal
from members.services.profile import update_profile
from members.services.status import set_member_status
from rewards import queries as rewards_queries

PAGE_SIZE = 50
LEDGER_ON_DETAIL = 50
PURCHASES_ON_DETAIL = 20
HISTORY_ON_DETAIL = 50
CENT = Decimal("0.01")

# The field a service's refusal is about; anything else goes above the form.
ERROR_FIELDS = {
    "invalid_phone": "phone",
    "invalid_email": "email",
    "invalid_birthday": "birthday",
    "unknown_referral": "referral_code",
}


def _add_error(form, exc: DomainError) -> None:
    field = ERROR_FIELDS.get(exc.code)
    form.add_error(field if field in form.fields else None, exc.message)


def _read_only(request: HttpRequest) -> HttpResponse | None:
    """A page about one object refuses other methods only once the object is found, so that
    another merchant's id is a 404 whatever the method (the answer tells nothing)."""
    if request.method in ("GET", "HEAD"):
        return None
    return HttpResponseNotAllowed(["GET", "HEAD"])


def _member_or_404(request: HttpRequest, member_id: int) -> Member:
    members = Member.objects.for_merchant(request.merchant).select_related(
        "merchant", "tier", "referred_by", "enrolled_by", "enrolled_at_shop"
    )
    return get_object_or_404(members, pk=member_id)


# --- The list ------------------------------------------------------------------------------------


@require_GET
@staff_required(Role.MANAGER)
def member_list(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    tiers = list(Tier.objects.for_merchant(merchant).order_by("threshold"))
    form = MemberFilterForm(request.GET or None, tiers=tiers)
    filters = form.filters() if form.is_bound else {"sort": queries.DEFAULT_SORT}
    members = queries.member_list(merchant, **filters)
    if request.GET.get("export") == "csv":
        return _export_csv(request, members, filters)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "columns": _columns(query, filters["sort"]),
        # A header's click changes the order outside the form: its answer redraws the form's
        # "Order" too, so that the next filter keeps the order (never for the form's own
        # requests, which would take the focus from the field being changed).
        "redraw_sort": bool(request.htmx and (request.htmx.trigger or "").startswith("sort-")),
        # Only an empty page asks whether the merchant has any member at all.
        "has_members": bool(page.object_list) or Member.objects.for_merchant(merchant).exists(),
        "filtered": any(name != "sort" for name in filters),
        "nav": "members",
        "tab": "list",
    }
    template = "portal/members/list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


# The table's columns; a sortable one names its order and the direction of its first click
# (names A to Z; figures and dates highest, newest first), a second click reverses it.
COLUMNS = [
    (_lazy("Member"), "name", ""),
    (_lazy("Card"), "", ""),
    (_lazy("Contact"), "", "contact"),
    (_lazy("Tier"), "", ""),
    (_lazy("Balance"), "-balance", "num"),
    (_lazy("Lifetime spend"), "-spend", "num"),
    (_lazy("Last purchase"), "-last_purchase", ""),
    (_lazy("Joined"), "-joined", ""),
]


def _columns(query, sort: str) -> list[dict]:
    """The header cells: label, class, and for a sortable one the link that sorts by it
    (the other parameters kept, back to the first page) and its aria-sort when it is on."""
    if sort not in queries.MEMBER_SORTS:
        sort = queries.DEFAULT_SORT
    others = query.copy()
    others.pop("sort", None)
    prefix = f"{others.urlencode()}&" if others else ""
    columns = []
    for label, first, css in COLUMNS:
        column = {"label": label, "css": css, "key": first.lstrip("-")}
        if first:
            on = sort.lstrip("-") == column["key"]
            target = ("-" + sort).replace("--", "") if on else first
            column["url"] = f"?{prefix}sort={target}"
            if on:
                column["aria_sort"] = "descending" if sort.startswith("-") else "ascending"
        columns.append(column)
    return columns


EXPORT_HEADER = [
    "card_number",
    "first_name",
    "last_name",
    "email",
    "phone",
    "tier",
    "points_balance",
    "lifetime_spend",
    "purchases",
    "joined_at",
    "email_marketing",
    "sms_marketing",
    "status",
]


def _export_csv(request: HttpRequest, members, filters: dict) -> StreamingHttpResponse:
    merchant = request.merchant
    tz = merchant.tzinfo

    def rows():
        for member in members.iterator(chunk_size=1000):
            yield [
                spreadsheet_cell(member.card_number),
                spreadsheet_cell(member.first_name),
                spreadsheet_cell(member.last_name),
                spreadsheet_cell(member.email),
                spreadsheet_cell(member.phone),
                spreadsheet_cell(member.tier.name if member.tier else ""),
                member.points_balance,
                member.lifetime_spend,
                member.purchase_count,
                member.joined_at.astimezone(tz).isoformat(timespec="seconds"),
                "yes" if member.email_marketing else "no",
                "yes" if member.sms_marketing else "no",
                spreadsheet_cell(member.status),
            ]

    # Personal data leaving the system is worth a line in the audit log.
    log_action(
        merchant=merchant,
        actor=request.user,
        action="members.members.exported",
        data={name: str(value) for name, value in filters.items()},
    )
    today = local_today(merchant).isoformat()
    return csv_response(f"members-{merchant.slug}-{today}.csv", csv_lines(EXPORT_HEADER, rows()))


# --- Adding a member -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def member_new(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    form = MemberForm(request.POST or None, merchant=merchant)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = enrol_member(
                merchant=merchant,
                email=data["email"],
                phone=data["phone"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                birthday=data["birthday"] or None,
                language=data["language"],
                source="portal",
                shop=data["shop"],
                actor=request.user,
                email_marketing=data["email_marketing"],
                sms_marketing=data["sms_marketing"],
                consent_wording=wording_in_the_portal(ticked(data)),
                referral_code=data["referral_code"],
            )
        except DuplicateMember as exc:
            # Staff may see whose card it is; the public join page never says.
            duplicate = exc.member
            contact = duplicate.email if exc.field == "email" else duplicate.phone
            form.add_error(
                exc.field,
                _("%(contact)s is already a member: card %(card)s (%(name)s).")
                % {"contact": contact, "card": duplicate.card_number, "name": duplicate},
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is a member now, with card %(card)s.")
                % {"name": member.display_name, "card": member.card_number},
            )
            return redirect("portal:member", member_id=member.pk)
    context = {"form": form, "duplicate": duplicate, "nav": "members", "tab": "new"}
    return render(request, "portal/members/new.html", context)


# --- One member ----------------------------------------------------------------------------------


@staff_required(Role.MANAGER)
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member_or_404(request, member_id)
    if (refusal := _read_only(request)) is not None:
        return refusal
    program = get_program(request.merchant)
    ledger = list(queries.member_ledger(member)[: LEDGER_ON_DETAIL + 1])
    count = member.purchase_count
    context = {
        "member": member,
        "program": program,
        "progress": loyalty_queries.tier_progress(member, program=program),
        "average_basket": (member.lifetime_spend / count).quantize(CENT) if count else None,
        "next_release": queries.next_release(member) if member.pending_points else None,
        "ledger": ledger[:LEDGER_ON_DETAIL],
        "more_ledger": len(ledger) > LEDGER_ON_DETAIL,
        "purchases": queries.member_purchases(member)[:PURCHASES_ON_DETAIL],
        "consents": member.consents.select_related("actor")[:HISTORY_ON_DETAIL],
        "referrals": queries.referrals_with_state(member, limit=HISTORY_ON_DETAIL),
        "audit": queries.member_audit(member)[:HISTORY_ON_DETAIL],
        "vouchers": rewards_queries.member_vouchers(member)[:HISTORY_ON_DETAIL],
        "tags": tags_of(member),
        "nav": "members",
    }
    return render(request, "portal/members/detail.html", context)


@staff_required(Role.MANAGER)
def member_ledger(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member_or_404(request, member_id)
    if (refusal := _read_only(request)) is not None:
        return refusal
    page = Paginator(queries.member_ledger(member), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"member": member, "page": page, "nav": "members"}
    return render(request, "portal/members/ledger.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member_or_404(request, member_id)
    if member.status == MemberStatus.ANONYMIZED:
        messages.error(request, _("This member is anonymized; there is nothing left to edit."))
        return redirect("portal:member", member_id=member.pk)
    initial = {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "birthday": member.birthday_display,
        "language": member.language or request.merchant.default_language,
        "email_marketing": member.email_marketing,
        "sms_marketing": member.sms_marketing,
    }
    form = MemberEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                member = update_profile(
                    member=member,
                    actor=request.user,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    language=data["language"],
                    # Untouched, the birthday stays as it is; the service applies the rule
                    # that a second change waits for the next birthday period.
                    birthday=data["birthday"] if "birthday" in form.changed_data else "",
                )
                for channel, field in CONSENT_FIELDS.items():
                    if field in form.changed_data:
                        set_consent(
                            member=member,
                            channel=channel,
                            granted=data[field],
                            source="portal",
                            wording=wording_changed_in_the_portal(channel),
                            actor=request.user,
                        )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            if "birthday" in form.changed_data and member.pending_birthday_from:
                messages.info(
                    request,
                    _(
                        "The new birthday counts from %(date)s: a birthday set once changes "
                        "only after the next birthday period, so no year pays two bonuses."
                    )
                    % {"date": format_day(member.pending_birthday_from, DATE)},
                )
            messages.success(request, _("Saved."))
            return redirect("portal:member", member_id=member.pk)
    context = {"member": member, "form": form, "nav": "members"}
    return render(request, "portal/members/edit.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def member_block(request: HttpRequest, member_id: int) -> HttpResponse:
    """A confirmation page, then POST status=blocked or status=active (repeating is harmless)."""
    member = _member_or_404(request, member_id)
    if request.method == "POST":
        status = request.POST.get("status", "")
        try:
            set_member_status(member=member, actor=request.user, status=status)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if status == MemberStatus.BLOCKED:
                message = _(
                    "%(name)s is blocked: the till no longer records purchases on the card."
                )
            else:
                message = _("%(name)s is active again.")
            messages.success(request, message % {"name": member.display_name})
        return redirect("portal:member", member_id=member.pk)
    return render(request, "portal/members/block.html", {"member": member, "nav": "members"})


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def member_anonymize(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member_or_404(request, member_id)
    if member.status == MemberStatus.ANONYMIZED:
        messages.info(request, _("This member is anonymized already."))
        return redirect("portal:member", member_id=member.pk)
    form = AnonymizeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        anonymize_member(member=member, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            _("The member is anonymized. Their points history and purchases stay, without a name."),
        )
        return redirect("portal:member", member_id=member.pk)
    context = {"member": member, "form": form, "nav": "members"}
    return render(request, "portal/members/anonymize.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def member_merge(request: HttpRequest, member_id: int) -> HttpResponse:
    """Merge a duplicate into this member: the card number, a side-by-side confirmation
    (POST without `confirm`), then the merge (POST with `confirm`)."""
    member = _member_or_404(request, member_id)
    if member.status == MemberStatus.ANONYMIZED:
        messages.info(request, _("This member is anonymized; nothing can be merged into it."))
        return redirect("portal:member", member_id=member.pk)
    form = MergeForm(request.POST or None)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        number = "".join(ch for ch in form.cleaned_data["card_number"] if ch.isdigit())
        # Only this merchant's members are looked up: another merchant's card is "not found".
        duplicate = member_by_card(request.merchant, number)
        if duplicate is None:
            form.add_error("card_number", _("No member of yours has this card number."))
        elif (refusal := merge_refusal(member, duplicate)) is not None:
            form.add_error("card_number", refusal)
            duplicate = None
        elif request.POST.get("confirm") == "yes":
            try:
                merge_members(survivor=member, duplicate=duplicate, actor=request.user)
            except DomainError as exc:
                form.add_error("card_number", exc.message)
                duplicate = None
            else:
                messages.success(
                    request,
                    _("Card %(card)s is merged into this member and anonymized.")
                    % {"card": number},
                )
                return redirect("portal:member", member_id=member.pk)
    context = {"member": member, "form": form, "duplicate": duplicate, "nav": "members"}
    return render(request, "portal/members/merge.html", context)


# --- Staff leaderboard ---------------------------------------------------------------------------


@require_GET
@staff_required(Role.MANAGER)
def leaderboard(request: HttpRequest) -> HttpResponse:
    form = LeaderboardForm(request.GET or None)
    days = form.period() if form.is_bound else 30
    context = {
        "form": form,
        "board": queries.enrolment_leaderboard(request.merchant, days=days),
        "nav": "members",
        "tab": "leaderboard",
    }
    template = "portal/members/leaderboard.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


# --- CSV import ----------------------------------------------------------------------------------


def _import_or_404(request: HttpRequest, import_id: int, *defer: str) -> MemberImport:
    imports = MemberImport.objects.for_merchant(request.merchant).select_related("created_by")
    return get_object_or_404(imports.defer(*defer), pk=import_id)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def import_upload(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            member_import = create_import(
                merchant=merchant, actor=request.user, filename=upload.name, data=upload.read()
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("portal:member_import", import_id=member_import.pk)
    recent = (
        MemberImport.objects.for_merchant(merchant)
        .select_related("created_by")
        .defer("csv", "report")[:20]
    )
    context = {
        "form": form,
        "imports": recent,
        "program": get_program(merchant),
        "nav": "members",
        "tab": "import",
    }
    return render(request, "portal/members/import_upload.html", context)


@staff_required(Role.MANAGER)
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """The preview and dry run before the import; the progress bar and report after it.

    An HTMX poll renders only the progress; it keeps polling until the import is finished.
    """
    # The file itself is never shown; the report is only needed once the import is finished.
    member_import = _import_or_404(request, import_id, "csv")
    if (refusal := _read_only(request)) is not None:
        return refusal
    context = {
        "member_import": member_import,
        "start_form": ImportStartForm(),
        "program": get_program(request.merchant),
        "nav": "members",
        "tab": "import",
    }
    template = "portal/members/import.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context)


@require_POST
@staff_required(Role.MANAGER)
def import_dry_run(request: HttpRequest, import_id: int) -> HttpResponse:
    member_import = _import_or_404(request, import_id)
    try:
        member_import = dry_run_import(member_import=member_import, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        result = member_import.report["dry_run"]
        messages.info(
            request,
            _(
                "Dry run: %(ok)s members would be created and %(problems)s rows skipped. "
                "Nothing was imported."
            )
            % {"ok": result["ok"], "problems": result["problems"]},
        )
    return redirect("portal:member_import", import_id=member_import.pk)


@require_POST
@staff_required(Role.MANAGER)
def import_start(request: HttpRequest, import_id: int) -> HttpResponse:
    member_import = _import_or_404(request, import_id, "csv")
    form = ImportStartForm(request.POST)
    form.is_valid()  # a lone optional checkbox: always valid, unticked when absent
    try:
        start_import(
            member_import=member_import,
            actor=request.user,
            pay_welcome_bonus=form.cleaned_data.get("pay_welcome_bonus", False),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:member_import", import_id=member_import.pk)
