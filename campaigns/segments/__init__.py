"""Segments: RFM scores and named segments, category affinity, and rule segments."""
