"""Invitations after a purchase, the signed links, answering and the incentive."""
