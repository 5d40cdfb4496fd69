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
"""

from collections.abc import Callable

SaleHook = Callable[..., None]
_SALE_HOOKS: list[SaleHook] = []
_UNDO_HOOKS: list[SaleHook] = []


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
