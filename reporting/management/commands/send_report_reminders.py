import datetime

from django.core.management.base import BaseCommand, CommandError

from reporting.final_report.services import REMINDER_DAYS, reminders_due


class Command(BaseCommand):
    help = (
        "E-mail programme staff 30, 14 and 7 days before each final report is due while it is "
        "not submitted. Idempotent: each reminder is sent once per agreement. For a daily cron job."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Run as if it were this day (YYYY-MM-DD).")

    def handle(self, *args, **options):
        today = None
        if options.get("today"):
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today ska vara ett datum som ÅÅÅÅ-MM-DD.") from exc
        run = reminders_due(today=today)
        days = ", ".join(str(d) for d in REMINDER_DAYS)
        self.stdout.write(
            f"{len(run.sent)} påminnelse(r) om slutredovisning köade för utskick "
            f"({days} dagar före), {run.skipped} redan köade tidigare eller utan mottagare."
        )
        for reminder in run.sent:
            self.stdout.write(f"  {reminder.agreement}: {reminder.days_before} dagar")
