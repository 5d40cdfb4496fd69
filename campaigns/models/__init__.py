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
from campaigns.models.segments import (
    CategoryAffinity,
    MemberRfm,
    RfmSegment,
    RfmSegmentCount,
    Segment,
)
from campaigns.models.sending import BouncedAddress, MessagingSettings

__all__ = [
    "BouncedAddress",
    "CategoryAffinity",
    "Channel",
    "MemberRfm",
    "Message",
    "MessageEvent",
    "MessageEventKind",
    "MessageStatus",
    "MessagingSettings",
    "Purpose",
    "RfmSegment",
    "RfmSegmentCount",
    "Segment",
    "SuppressionReason",
]
