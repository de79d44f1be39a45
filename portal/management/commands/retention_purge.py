"""`manage.py retention_purge`: delete or pseudonymise personal data past its period."""

from django.core.management.base import BaseCommand

from portal.retention import retention_purge, rules


class Command(BaseCommand):
    help = (
        "Delete or pseudonymise personal data kept longer than its retention period "
        "(docs/privacy.md). Idempotent; run it daily from cron, or enqueue the task "
        "portal.tasks.retention_purge for a worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--list", action="store_true", help="only list the rules and their periods"
        )

    def handle(self, *args, **options):
        if options["list"]:
            for rule in rules():
                self.stdout.write(
                    f"{rule.key}: {rule.model}, {rule.action} after {rule.days} days "
                    f"({rule.period})"
                )
            return
        run = retention_purge()
        removed = ", ".join(f"{k}: {n}" for k, n in run.counts.items() if n) or "nothing"
        self.stdout.write(f"Retention run {run.pk}: removed {removed}.")
