"""Check an archival package as an archivist would: `manage.py verify_archival_package FILE.zip`
(optionally `--sha256` with the checksum shown on the report's page), or `--report PK` for the
package stored in the portal, which is also compared with the files frozen at submission."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reporting import archive
from reporting.final_report.services import frozen_checksums
from reporting.models import ArchivalPackage


class Command(BaseCommand):
    help = "Verify an archival package: METS schema, every file's size and SHA-256, no extras."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the package (ZIP) to check")
        parser.add_argument("--sha256", default="", help="the package's expected SHA-256")
        parser.add_argument("--report", type=int, help="check the stored package of this report")

    def handle(self, *args, file=None, sha256="", report=None, **options):
        if (file is None) == (report is None):
            raise CommandError("Give either a file or --report.")
        frozen = None
        if report is not None:
            package = (
                ArchivalPackage.objects.select_related("report__submitted")
                .filter(report_id=report)
                .first()
            )
            if package is None:
                raise CommandError(f"Report {report} has no archival package.")
            data = bytes(package.package)
            sha256 = sha256 or package.package_sha256
            frozen = frozen_checksums(package.report.submitted)
        else:
            try:
                data = Path(file).read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {file}: {error}") from error
        result = archive.verify(data, expected_sha256=sha256, frozen=frozen)
        for path, checksum in sorted(result.files.items()):
            self.stdout.write(f"{checksum}  {path}")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"The package {result.object_id or ''} is NOT intact.".strip())
        self.stdout.write(
            self.style.SUCCESS(f"The package {result.object_id} is intact ({len(data)} bytes).")
        )
