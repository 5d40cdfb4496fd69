from django.urls import path

from loyalty import views

app_name = "pos"

urlpatterns = [
    path("", views.pos_home, name="home"),
    path("shop/", views.pos_choose_shop, name="choose_shop"),
]
