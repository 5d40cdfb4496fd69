"""Cases: opening one for an unhappy answer, replies, recovery, resolving, won back."""
