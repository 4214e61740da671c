from django.dispatch import Signal

# Sent inside the signing transaction; billing issues the quote from it.
# kwargs: plan, by. A receiver that raises a Refusal undoes the signature.
plan_signed = Signal()
