"""The campaigns pages of the merchant portal."""
