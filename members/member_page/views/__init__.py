"""The member's pages at /m/<merchant-slug>/, one module per group of pages: join, signin, card
(card, history, claim), profile (profile, consents, unsubscribe, download, delete) and app
(manifest, icon). The rewards pages beside them are in rewards/member_page/.

Thin views: `members.member_page.access` resolves the merchant and the signed-in person's card; the
services in `members.services` do every write.
"""
