"""The POS page's URLs (config/urls.py mounts them at /pos/): one view module per panel."""

from django.urls import path

from loyalty.pos.views import club, corrections, enrol, home, rewards, sale, stamps

app_name = "pos"

urlpatterns = [
    path("", home.home, name="home"),
    path("shop/", home.choose_shop, name="choose_shop"),
    path("find/", home.find, name="find"),
    path("find/pick/", home.pick, name="pick"),
    path("members/<int:member_id>/", home.member, name="member"),
    path("sale/", sale.sale, name="sale"),
    path("purchase/", sale.purchase, name="purchase"),
    path("members/<int:member_id>/purchase/", sale.purchase, name="member_purchase"),
    path("enrol/", enrol.enrol, name="enrol"),
    path("voucher/", rewards.voucher, name="voucher"),
    path("voucher/use/", rewards.voucher_use, name="voucher_use"),
    path("members/<int:member_id>/redeem/", rewards.redeem, name="redeem"),
    path("members/<int:member_id>/vouchers/", rewards.member_voucher, name="member_voucher"),
    path("members/<int:member_id>/perks/use/", club.use_perk, name="use_perk"),
    path("members/<int:member_id>/stamp/", stamps.stamp, name="stamp"),
    path("members/<int:member_id>/adjust/", corrections.adjust, name="adjust"),
    path("purchases/<int:purchase_id>/undo/", corrections.undo, name="undo"),
    path("purchases/<int:purchase_id>/reverse/", corrections.reverse, name="reverse"),
]
