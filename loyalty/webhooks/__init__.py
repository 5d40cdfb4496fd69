"""Outgoing webhooks: endpoints, the outbox consumer, signed delivery with retries."""
