"""The rewards pages of the portal. loyalty/urls.py adds these to its own list, so they live
in the `portal` namespace with the rest of the portal."""

from django.urls import path

from rewards.portal import (
    challenge_views,
    club_views,
    stamp_views,
    streak_views,
    views,
    voucher_views,
)

urlpatterns = [
    path("rewards/", views.reward_list, name="rewards"),
    path("rewards/new/", views.reward_new, name="reward_new"),
    path("rewards/preview/", views.reward_preview, name="reward_preview"),
    path("rewards/report/", views.report, name="rewards_report"),
    path("rewards/stamp-cards/", stamp_views.stamp_card_list, name="stamp_cards"),
    path("rewards/stamp-cards/new/", stamp_views.stamp_card_new, name="stamp_card_new"),
    path("rewards/stamp-cards/<int:card_id>/", stamp_views.stamp_card_edit, name="stamp_card_edit"),
    path(
        "rewards/stamp-cards/<int:card_id>/deactivate/",
        stamp_views.stamp_card_deactivate,
        name="stamp_card_deactivate",
    ),
    path("rewards/clubs/", club_views.club_list, name="clubs"),
    path("rewards/clubs/new/", club_views.club_new, name="club_new"),
    path("rewards/clubs/<int:club_id>/", club_views.club_edit, name="club_edit"),
    path("rewards/clubs/<int:club_id>/members/", club_views.club_members, name="club_members"),
    path("rewards/clubs/<int:club_id>/perks/new/", club_views.perk_new, name="club_perk_new"),
    path(
        "rewards/clubs/<int:club_id>/perks/<int:perk_id>/",
        club_views.perk_edit,
        name="club_perk_edit",
    ),
    path(
        "rewards/clubs/<int:club_id>/perks/<int:perk_id>/remove/",
        club_views.perk_remove,
        name="club_perk_remove",
    ),
    path("rewards/streaks/", streak_views.streak_list, name="streaks"),
    path("rewards/streaks/new/", streak_views.streak_new, name="streak_new"),
    path("rewards/streaks/<int:program_id>/", streak_views.streak_edit, name="streak_edit"),
    path(
        "rewards/streaks/<int:program_id>/deactivate/",
        streak_views.streak_deactivate,
        name="streak_deactivate",
    ),
    path("rewards/challenges/", challenge_views.challenge_list, name="challenges"),
    path("rewards/challenges/new/", challenge_views.challenge_new, name="challenge_new"),
    path(
        "rewards/challenges/<int:challenge_id>/",
        challenge_views.challenge_edit,
        name="challenge_edit",
    ),
    path(
        "rewards/challenges/<int:challenge_id>/results/",
        challenge_views.challenge_results,
        name="challenge_results",
    ),
    path(
        "rewards/challenges/<int:challenge_id>/deactivate/",
        challenge_views.challenge_deactivate,
        name="challenge_deactivate",
    ),
    path("rewards/badges/", challenge_views.badge_list, name="badges"),
    path("rewards/badges/new/", challenge_views.badge_new, name="badge_new"),
    path("rewards/badges/<int:badge_id>/", challenge_views.badge_edit, name="badge_edit"),
    path("rewards/vouchers/", voucher_views.voucher_list, name="vouchers"),
    path("rewards/vouchers/<int:voucher_id>/", views.voucher_detail, name="voucher"),
    path("rewards/vouchers/<int:voucher_id>/cancel/", views.voucher_cancel, name="voucher_cancel"),
    path("rewards/<int:reward_id>/", views.reward_edit, name="reward_edit"),
    path("rewards/<int:reward_id>/move/", views.reward_move, name="reward_move"),
    path("rewards/<int:reward_id>/archive/", views.reward_archive, name="reward_archive"),
    path("rewards/<int:reward_id>/restore/", views.reward_restore, name="reward_restore"),
]
