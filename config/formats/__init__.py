"""Fidela's own locale formats (settings.FORMAT_MODULE_PATH), where Django's differ from how
Fidela's readers write dates."""
