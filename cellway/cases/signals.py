"""Events of the spine that other apps react to; the spine imports none of them."""

from django.dispatch import Signal

# Sent inside the transaction that opened the case; receivers add their own
# rows (the records checklist, for one). kwargs: case, by.
case_opened = Signal()
