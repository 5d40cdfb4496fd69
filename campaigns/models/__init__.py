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
from campaigns.models.tags import MemberTag

__all__ = [
    "CategoryAffinity",
    "Channel",
    "MemberRfm",
    "MemberTag",
    "Message",
    "MessageEvent",
    "MessageEventKind",
    "MessageStatus",
    "Purpose",
    "RfmSegment",
    "RfmSegmentCount",
    "Segment",
    "SuppressionReason",
]
