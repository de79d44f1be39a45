"""Django's own strings that its Swedish catalogue lacks (new in Django 6.1), translated in
ours: the project's catalogue comes first (LOCALE_PATHS), and naming them here keeps
`makemessages` from dropping them."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),  # the empty choice of every select
    gettext_noop("%s (descending)"),  # django-filter's sort labels
    gettext_noop("access attempt"),  # django-axes' models in the admin
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
]
