"""Campaign links under /m/<merchant-slug>/ (config/urls.py mounts them next to the member page)."""

from django.urls import path

from campaigns.member_page import tracking_views as views

app_name = "campaign_links"

urlpatterns = [
    path("l/<str:token>", views.click, name="click"),
    path("o/<str:token>", views.open_pixel, name="open"),
    path("messages/<int:message_id>/dismiss", views.dismiss, name="dismiss"),
]
