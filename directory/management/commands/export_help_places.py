import csv
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.formatting import quantity
from directory.export import help_places_export_csv
from territories.models import EPCI


class Command(BaseCommand):
    help = (
        "Exporte les lieux d'aide en CSV au standard national des lieux de médiation "
        "numérique (v1.0.2)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--epci",
            metavar="SIREN",
            help="N'exporter que les lieux gérés par cet EPCI (par défaut : tous).",
        )
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            metavar="FICHIER",
            help="Fichier à écrire (par défaut : la sortie standard).",
        )

    def handle(self, *args, epci: str | None, output: Path | None, **_):
        managing = None
        if epci:
            managing = EPCI.objects.filter(siren=epci).first()
            if managing is None:
                raise CommandError(f"Aucun EPCI de SIREN {epci}.")
        data = help_places_export_csv(epci=managing)
        if output is None:
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        try:
            output.write_bytes(data)
        except OSError as error:
            raise CommandError(
                f"Impossible d'écrire {output} : {error.strerror}."
            ) from error
        places = len(list(csv.reader(io.StringIO(data.decode("utf-8"))))) - 1
        self.stderr.write(
            f"{quantity(places, 'lieu exporté', 'lieux exportés')} dans {output}."
        )
