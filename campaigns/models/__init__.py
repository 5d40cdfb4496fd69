"""The campaigns app's tables. One module per part (segments, messages, promotions, campaigns);
this package re-exports them so that `from campaigns.models import Segment` works."""

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

__all__ = [
    "CategoryAffinity",
    "Channel",
    "MemberRfm",
    "Message",
    "MessageEvent",
    "MessageEventKind",
    "MessageStatus",
    "Promotion",
    "PromotionAudience",
    "PromotionScope",
    "PromotionStatus",
    "Purpose",
    "RfmSegment",
    "RfmSegmentCount",
    "Segment",
    "SuppressionReason",
]
