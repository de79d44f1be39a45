from django.core.management.base import BaseCommand

from agreement import data_2020


class Command(BaseCommand):
    help = "Load the 2020 Government–SKR agreement: funding, initiatives 11–13, commitments."

    def handle(self, *args, **options):
        agreement, created = data_2020.load()
        verb = "Inläst" if created else "Fanns redan"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {agreement.title} (id {agreement.pk})"))
