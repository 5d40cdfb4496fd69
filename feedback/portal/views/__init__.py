"""The feedback pages of the portal, one module per page group."""
