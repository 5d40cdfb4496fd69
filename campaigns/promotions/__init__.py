"""Promotions: time-limited points multipliers through the points engine's earning seam."""
