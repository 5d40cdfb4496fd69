"""The shop API, mounted at /api/v1/ (config/urls.py)."""

from django.conf import settings
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from loyalty.api.views import fallback, members, program, purchases, vouchers

app_name = "api"

urlpatterns = [
    path("program", program.ProgramView.as_view(), name="program"),
    path("members", members.MembersView.as_view(), name="members"),
    path("members/<str:card_number>", members.MemberView.as_view(), name="member"),
    path(
        "members/<str:card_number>/redemptions",
        vouchers.RedemptionsView.as_view(),
        name="redemptions",
    ),
    path("purchases", purchases.PurchasesView.as_view(), name="purchases"),
    path("purchases/<str:external_id>", purchases.PurchaseView.as_view(), name="purchase"),
    path("purchases/<str:external_id>/refunds", purchases.RefundsView.as_view(), name="refunds"),
    path("rewards", vouchers.RewardsView.as_view(), name="rewards"),
    path("vouchers/<str:code>", vouchers.VoucherView.as_view(), name="voucher"),
    path("vouchers/<str:code>/use", vouchers.VoucherUseView.as_view(), name="voucher_use"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]

if settings.API_BENCH_VIEW:
    from loyalty.api.bench import BarePurchaseView

    urlpatterns.append(path("bench/bare-purchase", BarePurchaseView.as_view(), name="bench"))

# Anything else under /api/v1/ is a problem+json 404, not the HTML page.
urlpatterns.append(re_path(r"^.*$", fallback.not_found, name="not_found"))
