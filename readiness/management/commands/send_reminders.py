from django.core.management.base import BaseCommand

from readiness.models import ReportingRound
from readiness.services import reminders_send


class Command(BaseCommand):
    help = (
        "Remind organisers that have not submitted in each open self-assessment round. "
        "Idempotent: no organiser is reminded twice within 24 hours. For a daily cron job. "
        "The messages are queued; a worker (`manage.py worker`) sends them."
    )

    def handle(self, *args, **options):
        rounds = list(ReportingRound.objects.open_now())
        if not rounds:
            self.stdout.write("Ingen uppföljningsomgång är öppen; inga påminnelser skickade.")
        for reporting_round in rounds:
            result = reminders_send(reporting_round=reporting_round, actor="send_reminders")
            self.stdout.write(
                f"{reporting_round}: {len(result.sent)} påminnelser köade för utskick, "
                f"{result.skipped_recent} påminda senaste dygnet, "
                f"{result.skipped_no_address} utan e-postadress."
            )
