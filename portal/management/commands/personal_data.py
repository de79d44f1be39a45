"""`manage.py personal_data export|erase --email ADDRESS`: the work is in portal/personal_data."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from portal.personal_data import (
    personal_data_erase,
    personal_data_export,
    personal_data_find,
)


class Command(BaseCommand):
    help = "Export (JSON) or erase the personal data held about an e-mail address."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("--email", required=True, help="the person's e-mail address")

    def handle(self, *args, action: str, email: str, **options):
        address = email.strip()
        if "@" not in address:
            raise CommandError(f"'{email}' is not an e-mail address.")
        holdings = personal_data_find(address=address)
        if not holdings.found:
            raise CommandError(
                f"No user account or other record has the e-mail address {address}; "
                "nothing was exported or changed."
            )
        if action == "export":
            data = personal_data_export(holdings=holdings)
            self.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
            return
        erasure = personal_data_erase(holdings=holdings)
        for account in erasure.accounts:
            summary = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in account.counts.items())
            self.stdout.write(
                f"Account {account.user_pk} erased, now {account.pseudonym} (inactive); {summary}"
            )
        for erased in erasure.addresses:
            self.stdout.write(f"Erased {erased.field} of {erased.record_type} {erased.pk}")
        self.stdout.write(f"History events pseudonymised: {erasure.events_pseudonymised}")
        self.stdout.write(f"E-mail records scrubbed: {erasure.mails_scrubbed}")
        self.stdout.write(self.style.SUCCESS(f"Personal data for {address} erased."))
