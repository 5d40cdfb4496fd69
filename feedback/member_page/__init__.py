"""The customer's survey pages (namespace `member`)."""
