"""How long the log of API key uses is kept (portal/retention.py reads this): it says which
person's key called what and when, so it is deleted after API_KEY_USE_DAYS (90 by default),
long enough to answer a question about misuse of a key."""

from portal.retention import Rule, register

from .models import ApiKeyUse

register(Rule(key="api-key-uses", model=ApiKeyUse._meta.label, age="at", period="API_KEY_USE_DAYS"))
