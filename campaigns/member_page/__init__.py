"""What campaigns show on the member page (in-app messages) and the links in their messages."""
