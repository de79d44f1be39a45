"""Signals the portal sends to the apps above it, which it must not import."""

from django.dispatch import Signal

# Sent with `user` and `actor` inside the transaction, just before an administrator deletes a
# user: an app that holds the user's records ends them through its own services (principals
# removes the memberships, so each organisation's history says the member left).
user_deleting = Signal()

# Sent with `principal_ids` inside the transaction of a bulk change to the register (an import)
# that bypasses the models' save(): an app that keeps figures per organiser brings them in step.
principals_changed = Signal()
