from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from portal.demo import DEMO_PASSWORD
from portal.models import DemoDataset

# Each app that has demonstration data provides `<app>.demo.load(stdout)`, run in this order.
DEMO_MODULES = [
    "portal.demo",
    "principals.demo",
    "agreement.demo",
    "readiness.demo",
    "reporting.demo",
]


class Command(BaseCommand):
    help = "Load demonstration data and accounts (idempotent). Never run against production."

    def handle(self, *args, **options):
        accounts: list[tuple[str, str]] = []
        with transaction.atomic():
            # First, so what the modules build (the final report) knows it is demonstration data.
            DemoDataset.objects.get_or_create(pk=1)
            for name in DEMO_MODULES:
                try:
                    module = import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue
                accounts += module.load(self.stdout) or []
        self.stdout.write(
            self.style.SUCCESS(f"Demodata inläst. Demokonton (lösenord för alla: {DEMO_PASSWORD}):")
        )
        for username, label in accounts:
            self.stdout.write(f"  {username:<22} {label}")
