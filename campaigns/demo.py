"""The demo merchant's campaigns: segments, promotions and messages, seeded through the real
services (registered as demo steps in `campaigns.apps`)."""
