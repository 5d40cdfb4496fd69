from django.urls import path

from loyalty.pos.views import main as pos_views
from loyalty.pos.views import rewards as pos_reward_views

app_name = "pos"

urlpatterns = [
    path("", pos_views.home, name="home"),
    path("shop/", pos_views.choose_shop, name="choose_shop"),
    path("find/", pos_views.find, name="find"),
    path("sale/", pos_views.sale, name="sale"),
    path("purchase/", pos_views.purchase, name="purchase"),
    path("enrol/", pos_views.enrol, name="enrol"),
    path("voucher/", pos_reward_views.voucher, name="voucher"),
    path("voucher/use/", pos_reward_views.voucher_use, name="voucher_use"),
    path("members/<int:member_id>/", pos_views.member, name="member"),
    path("members/<int:member_id>/purchase/", pos_views.purchase, name="member_purchase"),
    path("members/<int:member_id>/redeem/", pos_reward_views.redeem, name="redeem"),
    path(
        "members/<int:member_id>/vouchers/",
        pos_reward_views.member_voucher,
        name="member_voucher",
    ),
    path("members/<int:member_id>/adjust/", pos_views.adjust, name="adjust"),
    path("purchases/<int:purchase_id>/undo/", pos_views.undo, name="undo"),
    path("purchases/<int:purchase_id>/reverse/", pos_views.reverse, name="reverse"),
]
