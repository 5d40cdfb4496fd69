"""The audit log's actions in words: "API key created", not `loyalty.api_key.created`.

Every action recorded with `loyalty.audit.log_action` anywhere in the code has its label here
(tests/loyalty/portal/test_audit_labels.py finds them in the source and checks); an action
without one (an old row, a new action not yet named) still reads as words, from its last two
parts.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    # The business, its shops, staff and keys
    "loyalty.merchant.created": _("Business created"),
    "loyalty.merchant.updated": _("Business profile changed"),
    "loyalty.shop.created": _("Shop added"),
    "loyalty.shop.updated": _("Shop changed"),
    "loyalty.shop.archived": _("Shop archived"),
    "loyalty.shop.restored": _("Shop restored"),
    "loyalty.staff.invited": _("Staff member invited"),
    "loyalty.staff.invitation_revoked": _("Invitation revoked"),
    "loyalty.staff.joined": _("Staff member joined"),
    "loyalty.staff.role_changed": _("Staff role changed"),
    "loyalty.staff.removed": _("Staff member removed"),
    "loyalty.api_key.created": _("API key created"),
    "loyalty.api_key.revoked": _("API key revoked"),
    "loyalty.webhook.created": _("Webhook added"),
    "loyalty.webhook.updated": _("Webhook changed"),
    "loyalty.webhook.deleted": _("Webhook deleted"),
    "loyalty.webhook.disabled": _("Webhook switched off"),
    "loyalty.webhook.resent": _("Webhook delivery sent again"),
    "loyalty.webhook.secret_rotated": _("Webhook secret replaced"),
    "loyalty.webhook.test_sent": _("Webhook test event sent"),
    # Points, the program and sales
    "loyalty.program.updated": _("Program settings changed"),
    "loyalty.tier.created": _("Tier added"),
    "loyalty.tier.updated": _("Tier changed"),
    "loyalty.tier.deleted": _("Tier deleted"),
    "loyalty.points.adjusted": _("Points adjusted by hand"),
    "loyalty.purchase.reversed": _("Sale reversed"),
    "loyalty.pos.undone": _("Sale undone at the till"),
    "loyalty.purchases.exported": _("Purchases exported (CSV)"),
    # Members
    "members.member.updated": _("Member changed"),
    "members.member.blocked": _("Member blocked"),
    "members.member.unblocked": _("Member unblocked"),
    "members.member.merged": _("Members merged"),
    "members.member.anonymized": _("Member anonymised"),
    "members.members.exported": _("Members exported (CSV)"),
    "members.import.started": _("Member import started"),
    "members.import.finished": _("Member import finished"),
    "members.history.started": _("Purchase history import started"),
    "members.history.imported": _("Purchase history imported"),
    # Rewards
    "rewards.reward.created": _("Reward added"),
    "rewards.reward.updated": _("Reward changed"),
    "rewards.reward.archived": _("Reward archived"),
    "rewards.reward.restored": _("Reward restored"),
    "rewards.voucher.issued": _("Voucher issued"),
    "rewards.voucher.cancelled": _("Voucher cancelled"),
    "rewards.voucher.released": _("Voucher given back after a reversed sale"),
    "rewards.stamp_card.saved": _("Stamp card saved"),
    "rewards.stamp_card.deactivated": _("Stamp card switched off"),
    "rewards.streak_program.saved": _("Visit streak saved"),
    "rewards.streak_program.deactivated": _("Visit streak switched off"),
    "rewards.challenge.saved": _("Challenge saved"),
    "rewards.challenge.deactivated": _("Challenge switched off"),
    "rewards.badge.saved": _("Badge saved"),
    "rewards.club.saved": _("Club saved"),
    "rewards.club_perk.saved": _("Club perk saved"),
    "rewards.club_perk.removed": _("Club perk removed"),
    # Campaigns
    "campaigns.campaign.created": _("Campaign created"),
    "campaigns.campaign.scheduled": _("Campaign scheduled"),
    "campaigns.campaign.launched": _("Campaign launched"),
    "campaigns.step.added": _("Campaign step added"),
    "campaigns.step.removed": _("Campaign step removed"),
    "campaigns.segment.created": _("Segment created"),
    "campaigns.segment.changed": _("Segment changed"),
    "campaigns.segment.deleted": _("Segment deleted"),
    "campaigns.template.created": _("Message template created"),
    "campaigns.template.saved": _("Message template saved"),
    "campaigns.promotion.created": _("Promotion created"),
    "campaigns.promotion.updated": _("Promotion changed"),
    "campaigns.promotion.ended": _("Promotion ended"),
    "campaigns.member_tag.added": _("Member tag added"),
    "campaigns.member_tag.removed": _("Member tag removed"),
    "campaigns.messaging_settings.changed": _("Messaging settings changed"),
    # Feedback
    "feedback.survey.created": _("Survey created"),
    "feedback.survey.saved": _("Survey saved"),
    "feedback.settings.saved": _("Feedback settings saved"),
    "feedback.survey_requests.stopped": _("Survey requests stopped for a member"),
    "feedback.comments.exported": _("Comments exported (CSV)"),
    "feedback.topic_keyword.added": _("Topic keyword added"),
    "feedback.topic_keyword.deleted": _("Topic keyword deleted"),
    "feedback.case.opened": _("Case opened"),
    "feedback.case.assigned": _("Case assigned"),
    "feedback.case.noted": _("Note added to a case"),
    "feedback.case.status": _("Case status changed"),
    "feedback.case.replied": _("Reply sent to the customer"),
    "feedback.case.recovery": _("Recovery given from a case"),
    "feedback.case.resolved": _("Case resolved"),
}


def action_label(action: str) -> str:
    """The action in the reader's language; an unknown one as words from its last two parts
    (`shop.archived` → "Shop archived")."""
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    parts = [part for part in action.split(".") if part]
    words = " ".join(parts[-2:]).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else gettext("Unknown action")
