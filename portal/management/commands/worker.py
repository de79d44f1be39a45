from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run a background worker (django-tasks-db's db_worker on every queue), after queueing "
        "again what a stopped worker left. Start as many as you like, on any machine that "
        "reaches the database; they share the work."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between looks.")
        parser.add_argument("--batch", action="store_true", help="Stop when nothing is left.")
        parser.add_argument("--worker-id", default=None, help="Unique name of this worker.")
        parser.add_argument("--reload", action="store_true", help="Restart on code changes.")

    def handle(self, *args, **options):
        call_command("resume_work", verbosity=options["verbosity"])
        worker = {"worker_id": options["worker_id"]} if options["worker_id"] else {}
        call_command(
            "db_worker",
            queue_name="*",
            interval=options["interval"],
            batch=options["batch"],
            reload=options["reload"],
            verbosity=options["verbosity"],
            **worker,
        )
