from django.core.management.base import BaseCommand

from reporting.publication import publication_create, rounds_to_publish


class Command(BaseCommand):
    help = (
        "Publish the figures of every closed reporting round that is not yet published: "
        "computed once through disclosure control and never changed. For a daily cron job; "
        "idempotent."
    )

    def handle(self, *args, **options):
        rounds = rounds_to_publish()
        for reporting_round in rounds:
            publication = publication_create(
                reporting_round=reporting_round, actor="publish_rounds"
            )
            self.stdout.write(
                f"  {reporting_round.name}: publicerad {publication.published_at:%Y-%m-%d %H:%M}"
            )
        self.stdout.write(f"{len(rounds)} omgång(ar) publicerade.")
