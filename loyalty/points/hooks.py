"""The sale seams: what other programs count on a member's sale, in the sale's transaction.

Stamp cards (rewards.engagement) count stamps from a sale's line items as the sale is recorded,
under the member's lock, so two tills at once can never give a card more stamps than its sales
earn; and they take them back when the sale is refunded or reversed. Challenges
(rewards.engagement.challenges) check their goals on the same sale hook. The points engine knows
nothing of them: `rewards.apps` registers the hooks here, and the engine calls them.

- a sale hook is called as `hook(purchase=, member=, shop=, items=, actor=, now=)` after the
  sale's points are written (a new sale of a member, or a claimed receipt);
- an undo hook is called as `hook(purchase=, member=, refund=, refunded_total=, reversed=,
  actor=, now=)` after a refund (`refund` set, `refunded_total` the sale's refunds so far) or a
  reversal (`reversed=True`) of a member's sale.

Hooks write in the caller's transaction and emit their own events; an error rolls the sale back.

A hook or a promotion source whose first query only asks "has this merchant any live X?" can
register a sale probe instead of paying that round trip on every sale: an `Exists` over its
table, correlated to the member's merchant (`OuterRef("merchant_id")`). The engine adds every
probe to the statement that reads the member's figures after the lock
(`ledger.read_member_figures`), so a merchant without stamp cards, streaks, challenges, clubs
or promotions pays nothing for them; `probed_none(member, name)` says that the probe found
nothing (False whenever it was not read, so a caller outside a sale reads as before).
"""

from collections.abc import Callable
from typing import Any

SaleHook = Callable[..., None]
_SALE_HOOKS: list[SaleHook] = []
_UNDO_HOOKS: list[SaleHook] = []
_SALE_PROBES: dict[str, Callable[[], Any]] = {}
PROBE_PREFIX = "sale_probe_"


def register_sale_hook(hook: SaleHook) -> None:
    """Call `hook` on every member's sale, in its transaction (see the module's docstring)."""
    if hook not in _SALE_HOOKS:
        _SALE_HOOKS.append(hook)


def register_undo_hook(hook: SaleHook) -> None:
    """Call `hook` on every refund and reversal of a member's sale, in its transaction."""
    if hook not in _UNDO_HOOKS:
        _UNDO_HOOKS.append(hook)


def run_sale_hooks(**context) -> None:
    """Hand a recorded sale to every sale hook (record_purchase and claim_purchase call this)."""
    for hook in _SALE_HOOKS:
        hook(**context)


def run_undo_hooks(**context) -> None:
    """Hand a refund or a reversal to every undo hook (refunds.py calls this)."""
    for hook in _UNDO_HOOKS:
        hook(**context)


def register_sale_probe(name: str, probe: Callable[[], Any]) -> None:
    """`probe()` builds an `Exists(...)` true when the member's merchant (OuterRef
    "merchant_id") has rows the hook or source named `name` would act on (a superset is fine:
    then it reads as before). The statement is compiled once and kept
    (`sale_figures.read_sale_figures`): a probe holds no value of its own sale (no "now")."""
    _SALE_PROBES[name] = probe


def sale_probes() -> dict[str, Any]:
    """The probes as annotations of a member query."""
    return {PROBE_PREFIX + name: probe() for name, probe in _SALE_PROBES.items()}


def sale_probe_names() -> list[str]:
    """The annotations' names of `sale_probes()`, in its order, without building the probes
    (a sale whose statement is compiled already needs only these)."""
    return [PROBE_PREFIX + name for name in _SALE_PROBES]


def probed_none(member: object, name: str) -> bool:
    """True when this sale's figures read said the merchant has nothing for probe `name`."""
    return getattr(member, PROBE_PREFIX + name, None) is False
