from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from principals.importer import (
    MOVE_FIELDS,
    ImportFileError,
    ImportRejected,
    MovesNotConfirmed,
    ProgressPrinter,
    parse_paths,
    run_import,
)
from principals.models import Principal


class Command(BaseCommand):
    help = (
        "Import organisers and school units from Skolverket's register (API v2 JSON or the "
        "documented CSV). Upserts, never deletes; see docs/import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="JSON or CSV files")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Write the valid records and list the rejected ones (default: all or nothing).",
        )
        parser.add_argument(
            "--confirm-moves",
            action="store_true",
            help=(
                "Apply changes of an organiser's type, county or municipalities; they move "
                "published figures, so without this option the import refuses them."
            ),
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help=(
                "The files are the complete register: mark organisers and units that are "
                "missing from them inactive (never deleted)."
            ),
        )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(options)

    def _handle(self, options):
        paths = options["paths"]
        source = "Skolverket: " + ", ".join(Path(p).name for p in paths)
        try:
            parsed = parse_paths(paths)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("Read %(organisers)s organisers and %(units)s school units.")
            % {"organisers": len(parsed.organisers), "units": len(parsed.units)}
        )
        try:
            plan = run_import(
                parsed,
                actor="import_skolverket",
                source=source,
                full=options["full"],
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                confirm_moves=options["confirm_moves"],
                progress=ProgressPrinter(self.stdout.write, _("Writing")),
            )
        except MovesNotConfirmed as exc:
            self._report(exc.plan)
            raise CommandError(
                _(
                    "Nothing was imported: %(count)s organiser(s) would move (type, county or "
                    "municipalities), which moves published figures. Check the moves listed "
                    "above and run again with --confirm-moves."
                )
                % {"count": len(exc.plan.moves)}
            ) from None
        except ImportRejected as exc:
            self._report(exc.plan)
            raise CommandError(
                _(
                    "Nothing was imported: %(count)s problem(s) in the file. Correct them, or "
                    "run with --skip-invalid to import the valid records."
                )
                % {"count": len(exc.plan.problems)}
            ) from None
        self._report(plan)
        if options["dry_run"]:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("The import is done.")))

    def _report(self, plan):
        summary = plan.summary()
        for problem in summary["problems"]:
            self.stdout.write(
                self.style.ERROR(
                    _("Rejected: %(position)s, field %(field)s, value “%(value)s”: %(reason)s")
                    % problem
                )
            )
        if summary["problem_count"] > len(summary["problems"]):
            self.stdout.write(
                _("… and %(count)s more problems.")
                % {"count": summary["problem_count"] - len(summary["problems"])}
            )
        for note in summary["notes"]:
            self.stdout.write(self.style.WARNING(note))
        for item in summary["moves"]:
            self.stdout.write(
                self.style.WARNING(
                    _("Moves (needs --confirm-moves): %(key)s %(name)s: %(changes)s")
                    % {
                        "key": item["key"],
                        "name": item["name"],
                        "changes": "; ".join(
                            f"{_label(field)} {_shown(values[0])} → {_shown(values[1])}"
                            for field, values in item["changes"].items()
                            if field in MOVE_FIELDS
                        ),
                    }
                )
            )
        for name, count in sorted(summary["skipped_fields"].items()):
            self.stdout.write(
                _("Skipped unknown field “%(field)s” in %(count)s record(s).")
                % {"field": name, "count": count}
            )
        for item in summary["deactivated"]:
            self.stdout.write(
                _("Marked inactive (missing from the full import): %(key)s %(name)s") % item
            )
        self.stdout.write(
            _(
                "Created: %(created)s. Changed: %(changed)s. Marked inactive: %(deactivated)s. "
                "Unchanged: %(unchanged)s. Rejected: %(rejected)s."
            )
            % {
                "created": len(summary["created"]),
                "changed": len(summary["changed"]),
                "deactivated": len(summary["deactivated"]),
                "unchanged": summary["unchanged"],
                "rejected": summary["rejected"],
            }
        )
        if not plan.full:
            self.stdout.write(
                _(
                    "Not a full import (--full): records missing from the file were left "
                    "as they are."
                )
            )


def _shown(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def _label(name: str) -> str:
    return str(Principal._meta.get_field(name).verbose_name)
