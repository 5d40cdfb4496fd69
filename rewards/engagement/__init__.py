"""Programs built on the ledger and the outbox (issue 16): stamp cards, challenges and badges.

They live inside rewards because what they pay is a reward's voucher (`rewards.services.
issue_voucher`) and what undoes them is a sale's reversal, which rewards already owns
(`rewards.sales`); they count under the sale's member lock through the points engine's seams
(`loyalty.points.hooks`), so the engine never imports them.
"""
