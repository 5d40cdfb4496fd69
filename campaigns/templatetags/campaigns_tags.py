"""The member page's in-app messages: the card page loads this tag, so the member page's code
never imports campaigns (a template names the tag library instead)."""

from django import template

from campaigns.messaging.tracking import in_app_messages
from members.models import Member

register = template.Library()

IN_APP_SHOWN = 3


@register.inclusion_tag("member/campaigns/_in_app.html", takes_context=True)
def in_app_cards(context, member: Member) -> dict:
    return {
        "messages_in_app": in_app_messages(member, limit=IN_APP_SHOWN),
        "merchant": member.merchant,
        "csrf_token": context.get("csrf_token"),
    }
