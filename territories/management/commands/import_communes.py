from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from territories.errors import TerritoriesError
from territories.services import communes_import


class Command(BaseCommand):
    help = (
        "Importe les communes et leurs EPCI depuis un CSV (format communes-perche.csv)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                f"Impossible de lire {path} : {error.strerror}."
            ) from error
        try:
            report = communes_import(data=data)
        except TerritoriesError as error:
            raise CommandError("\n".join([error.message, *error.problems])) from error
        self.stdout.write(self.style.SUCCESS(str(report)))
