"""Webhook pages of the portal; included in loyalty/urls.py under the portal namespace."""

from django.urls import path

from loyalty.webhooks import views

urlpatterns = [
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/new/", views.webhook_new, name="webhook_new"),
    path("webhooks/<int:webhook_id>/", views.webhook, name="webhook"),
    path("webhooks/<int:webhook_id>/edit/", views.webhook_edit, name="webhook_edit"),
    path("webhooks/<int:webhook_id>/rotate/", views.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<int:webhook_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path("webhooks/<int:webhook_id>/test/", views.webhook_test, name="webhook_test"),
    path(
        "webhooks/deliveries/<int:delivery_id>/resend/",
        views.delivery_resend,
        name="webhook_delivery_resend",
    ),
]
