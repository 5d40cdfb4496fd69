"""The points engine's import surface: purchases, refunds, bonuses, spending, expiry and tiers.

The engine lives in one module per sub-domain; callers import from here, so that a move between
them changes no caller:

- `ledger`: the errors, the program rules, lots, the outbox, bonuses, adjustments, spending;
- `purchases`: recording sales, anonymous receipts and their claims, promotion hooks;
- `refunds`: refunds and reversals, and the points they take back;
- `points_jobs`: pending points, expiry, tier re-evaluation, birthday bonuses.
"""

from loyalty.models.points import Purchase
from loyalty.services.ledger import (
    BONUS_TYPES,
    CENT,
    DEFAULT_TIERS,
    EARNED_KINDS,
    ClaimInvalid,
    DuplicateExternalId,
    InsufficientPoints,
    InvalidAmount,
    ItemsMismatch,
    PurchaseInFuture,
    PurchaseReversed,
    RefundTooLarge,
    UnknownMember,
    WrongCurrency,
    add_months,
    adjust_points,
    award_bonus,
    create_default_program,
    get_program,
    points_money,
    redeem_points,
    spend_points,
    tier_for,
    tier_window_start,
    tiers_of,
)
from loyalty.services.points_jobs import (
    award_birthday_bonuses,
    expire_points,
    reevaluate_tiers,
    release_pending_points,
)
from loyalty.services.purchases import (
    CLAIM_ALPHABET,
    CLAIM_CODE_LENGTH,
    CLOCK_SKEW,
    FIRST_PURCHASE_REF,
    PROMOTION_HOOKS,
    PromotionHook,
    PurchaseResult,
    claim_purchase,
    normalize_code,
    record_purchase,
)
from loyalty.services.refunds import RefundResult, refund_purchase, reverse_purchase

__all__ = [
    "BONUS_TYPES",
    "CENT",
    "CLAIM_ALPHABET",
    "CLAIM_CODE_LENGTH",
    "CLOCK_SKEW",
    "DEFAULT_TIERS",
    "EARNED_KINDS",
    "FIRST_PURCHASE_REF",
    "PROMOTION_HOOKS",
    "ClaimInvalid",
    "DuplicateExternalId",
    "InsufficientPoints",
    "InvalidAmount",
    "ItemsMismatch",
    "PromotionHook",
    "Purchase",
    "PurchaseInFuture",
    "PurchaseResult",
    "PurchaseReversed",
    "RefundResult",
    "RefundTooLarge",
    "UnknownMember",
    "WrongCurrency",
    "add_months",
    "adjust_points",
    "award_birthday_bonuses",
    "award_bonus",
    "claim_purchase",
    "create_default_program",
    "expire_points",
    "get_program",
    "normalize_code",
    "points_money",
    "record_purchase",
    "redeem_points",
    "reevaluate_tiers",
    "refund_purchase",
    "release_pending_points",
    "reverse_purchase",
    "spend_points",
    "tier_for",
    "tier_window_start",
    "tiers_of",
]
