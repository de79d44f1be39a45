from django.core.management.base import BaseCommand

from portal import jobs, outbox


class Command(BaseCommand):
    help = (
        "Queue again what a stopped worker left: due e-mail, and jobs that stopped answering; "
        "delete job files older than JOB_FILE_DAYS. "
        "Run it every minute from cron; `manage.py worker` runs it when it starts."
    )

    def handle(self, *args, **options):
        due = outbox.schedule_due()
        again, failed = jobs.resume_stalled()
        forgotten = jobs.forget_old_files()
        if options["verbosity"]:
            self.stdout.write(
                f"E-post att skicka: {due}. Jobb köade igen: {again}. Jobb avbrutna: {failed}. "
                f"Gamla jobbfiler borttagna: {forgotten}."
            )
