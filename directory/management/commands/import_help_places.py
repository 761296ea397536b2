from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.errors import DirectoryError
from directory.services import help_places_import
from territories.models import EPCI


class Command(BaseCommand):
    help = (
        "Importe des lieux d'aide depuis un CSV au standard national des lieux de "
        "médiation numérique (v1.0.2)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--epci",
            metavar="SIREN",
            help=(
                "N'importer que les lieux des communes de cet EPCI, qui les gère ; "
                "les autres lignes sont rejetées (par défaut : tous les lieux, "
                "chacun géré par l'EPCI de sa commune)."
            ),
        )
        parser.add_argument(
            "--lignes-valides",
            action="store_true",
            dest="only_valid_rows",
            help="Importer les lignes valides même si d'autres sont rejetées.",
        )

    def handle(self, *args, path: Path, epci: str | None, only_valid_rows: bool, **_):
        managing = None
        if epci:
            managing = EPCI.objects.filter(siren=epci).first()
            if managing is None:
                raise CommandError(f"Aucun EPCI de SIREN {epci}.")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                f"Impossible de lire {path} : {error.strerror}."
            ) from error
        try:
            report = help_places_import(
                data=data, epci=managing, only_valid_rows=only_valid_rows
            )
        except DirectoryError as error:
            raise CommandError("\n".join([error.message, *error.problems])) from error
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(warning))
        for problem in report.problems:
            self.stdout.write(self.style.WARNING(f"Rejetée : {problem}"))
        self.stdout.write(self.style.SUCCESS(str(report)))
