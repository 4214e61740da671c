"""Events of the spine that other apps react to; the spine imports none of them."""

from django.dispatch import Signal

# Sent inside the transaction that opened the case; receivers add their own
# rows (the records checklist, for one). kwargs: case, by.
case_opened = Signal()

# Sent just before a mail goes to a patient, a family member or a person who wrote to the clinic (never staff),
# so the thread stores it first. kwargs: case (None if not yet known), to, subject, body, message_id, automatic
# (a notice from the clinic's machinery, not anyone's word).
contact_mailed = Signal()
