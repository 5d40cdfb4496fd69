"""The campaigns app's tables. One module per part (segments, tags, messages, sending,
templates, promotions, campaigns); this package re-exports them so that
`from campaigns.models import Segment` works."""

from campaigns.models.campaigns import (
    ActionKind,
    Campaign,
    CampaignEntry,
    CampaignKind,
    CampaignStatus,
    RecapEmail,
    Step,
    Trigger,
    Variant,
)
from campaigns.models.messages import (
    Channel,
    Message,
    MessageEvent,
    MessageEventKind,
    MessageStatus,
    Purpose,
    SuppressionReason,
)
from campaigns.models.promotions import (
    Promotion,
    PromotionAudience,
    PromotionScope,
    PromotionStatus,
)
from campaigns.models.segments import (
    CategoryAffinity,
    MemberRfm,
    RfmSegment,
    RfmSegmentCount,
    Segment,
)
from campaigns.models.sending import (
    BouncedAddress,
    MessagingSettings,
)
from campaigns.models.tags import (
    MemberTag,
)
from campaigns.models.templates import (
    MessageTemplate,
    TemplateContent,
)

__all__ = [
    "ActionKind",
    "BouncedAddress",
    "Campaign",
    "CampaignEntry",
    "CampaignKind",
    "CampaignStatus",
    "CategoryAffinity",
    "Channel",
    "MemberRfm",
    "MemberTag",
    "Message",
    "MessageEvent",
    "MessageEventKind",
    "MessageStatus",
    "MessageTemplate",
    "MessagingSettings",
    "Promotion",
    "PromotionAudience",
    "PromotionScope",
    "PromotionStatus",
    "Purpose",
    "RecapEmail",
    "RfmSegment",
    "RfmSegmentCount",
    "Segment",
    "Step",
    "SuppressionReason",
    "TemplateContent",
    "Trigger",
    "Variant",
]
