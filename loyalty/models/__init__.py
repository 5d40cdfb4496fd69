"""Models of the loyalty core, one module per sub-domain."""

from loyalty.models.tenancy import (
    CURRENCIES,
    CURRENCY_SYMBOLS,
    ROLE_RANK,
    ApiKey,
    AuditEvent,
    Invitation,
    Merchant,
    Role,
    Shop,
    StaffMember,
    TenantQuerySet,
    User,
    UserManager,
    hash_token,
    timezone_choices,
)

__all__ = [
    "CURRENCIES",
    "CURRENCY_SYMBOLS",
    "ROLE_RANK",
    "ApiKey",
    "AuditEvent",
    "Invitation",
    "Merchant",
    "Role",
    "Shop",
    "StaffMember",
    "TenantQuerySet",
    "User",
    "UserManager",
    "hash_token",
    "timezone_choices",
]

from loyalty.models.points import (
    AppendOnlyError,
    BirthdayMode,
    EntryKind,
    Event,
    ExpiryMode,
    PointsEntry,
    PointsLot,
    Program,
    Purchase,
    Refund,
    Tier,
    TierBasis,
    TierWindow,
)

__all__ += [
    "AppendOnlyError",
    "BirthdayMode",
    "EntryKind",
    "Event",
    "ExpiryMode",
    "PointsEntry",
    "PointsLot",
    "Program",
    "Purchase",
    "Refund",
    "Tier",
    "TierBasis",
    "TierWindow",
]

from loyalty.models.api import IdempotencyRecord, IdempotencyState  # noqa: E402

__all__ += ["IdempotencyRecord", "IdempotencyState"]

from loyalty.models.pos import FlagKind, Identification, PosSubmission, StaffFlag  # noqa: E402

__all__ += ["FlagKind", "Identification", "PosSubmission", "StaffFlag"]

from loyalty.models.webhooks import (  # noqa: E402
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ += [
    "DeliveryStatus",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]

from loyalty.models.ratelimit import RateCounter  # noqa: E402

__all__ += ["RateCounter"]

from loyalty.models.analytics import BalanceCount, DailyStat, EnrolmentStat  # noqa: E402

__all__ += ["BalanceCount", "DailyStat", "EnrolmentStat"]

from loyalty.models.cohorts import CohortStat  # noqa: E402

__all__ += ["CohortStat"]
