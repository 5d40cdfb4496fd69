"""The feedback pages of the merchant portal (namespace `portal`)."""
