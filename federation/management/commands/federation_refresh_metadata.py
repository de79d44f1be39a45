"""Fetch each federation's metadata, check its signature and validity, keep it (cron, hourly).

A federation whose new metadata is refused keeps its last good copy; the command then exits
with status 1, so cron's mail or the monitoring notices.
"""

from django.core.management.base import BaseCommand, CommandError

from federation import metadata


class Command(BaseCommand):
    help = (
        "Refresh the federations' SAML metadata (settings.FEDERATIONS), keeping the last good copy."
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Only these federations (by name).")

    def handle(self, *args, names, **options):
        failed = []
        for federation in metadata.federations():
            if names and federation.name not in names:
                continue
            try:
                count = metadata.refresh(federation)
            except metadata.MetadataRefused as error:
                kept = "kept" if federation.copy_path.exists() else "none"
                self.stderr.write(f"{federation.name}: refused ({error}); last good copy: {kept}")
                failed.append(federation.name)
            else:
                self.stdout.write(
                    f"{federation.name}: {count} entities, kept in {federation.copy_path}"
                )
        if failed:
            raise CommandError(f"metadata refused for: {', '.join(failed)}")
