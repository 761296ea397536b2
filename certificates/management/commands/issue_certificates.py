from django.core.management.base import BaseCommand, CommandError

from certificates.models import BatchTrigger, ChunkState
from certificates.services import issuance_batch_launch, issuance_chunk_run
from territories.models import EPCI


class Command(BaseCommand):
    help = (
        "Délivre l'attestation à chaque jeune qui y a droit et ne l'a pas encore "
        "(tâche de nuit certificates-sweep) : confie les lots aux workers et fait "
        "lui-même ceux qu'ils n'ont pas pris."
    )

    def add_arguments(self, parser):
        parser.add_argument("--epci", help="SIREN d'un seul EPCI")

    def handle(self, *args, epci=None, **options):
        scope = None
        if epci:
            scope = EPCI.objects.filter(siren=epci).first()
            if scope is None:
                raise CommandError(f"Aucun EPCI n'a le SIREN {epci}.")
        batch = issuance_batch_launch(trigger=BatchTrigger.MANUAL, epci=scope)
        issued = 0
        for chunk_id in batch.chunks.filter(state=ChunkState.PENDING).values_list(
            "pk", flat=True
        ):
            issued += issuance_chunk_run(chunk_id=chunk_id)
        self.stdout.write(
            f"{batch.learners} jeune(s) à certifier, {issued} attestation(s) "
            "délivrée(s) par cette commande (les autres par les workers)."
        )
