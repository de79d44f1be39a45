from django.core.management.base import BaseCommand

from readiness.services import framework_load_default


class Command(BaseCommand):
    help = "Load the default self-assessment framework as a published version (idempotent)."

    def handle(self, *args, **options):
        framework, created = framework_load_default(actor="load_framework")
        count = framework.indicators.count()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Ramverket {framework} inläst: {count} frågor."))
        else:
            self.stdout.write(f"Ramverket {framework} finns redan ({count} frågor); inget ändrat.")
