"""The members pages of the portal. loyalty/urls.py adds these to its own list, so they live
in the `portal` namespace with the rest of the portal."""

from django.urls import path

from members.portal import history_views, tag_views, views

urlpatterns = [
    path("members/", views.member_list, name="members"),
    path("members/new/", views.member_new, name="member_new"),
    path("members/leaderboard/", views.leaderboard, name="members_leaderboard"),
    path("members/import/", views.import_upload, name="member_imports"),
    path("members/import/<int:import_id>/", views.import_detail, name="member_import"),
    path(
        "members/import/<int:import_id>/dry-run/",
        views.import_dry_run,
        name="member_import_dry_run",
    ),
    path("members/import/<int:import_id>/start/", views.import_start, name="member_import_start"),
    path("members/import-history/", history_views.history_upload, name="member_history_imports"),
    path(
        "members/import-history/<int:history_import_id>/",
        history_views.history_detail,
        name="member_history_import",
    ),
    path(
        "members/import-history/<int:history_import_id>/start/",
        history_views.history_start,
        name="member_history_import_start",
    ),
    path("members/<int:member_id>/", views.member_detail, name="member"),
    path("members/<int:member_id>/tags/", tag_views.member_tag_add, name="member_tag_add"),
    path(
        "members/<int:member_id>/tags/remove/",
        tag_views.member_tag_remove,
        name="member_tag_remove",
    ),
    path("members/<int:member_id>/ledger/", views.member_ledger, name="member_ledger"),
    path("members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:member_id>/block/", views.member_block, name="member_block"),
    path("members/<int:member_id>/merge/", views.member_merge, name="member_merge"),
    path("members/<int:member_id>/anonymize/", views.member_anonymize, name="member_anonymize"),
]
