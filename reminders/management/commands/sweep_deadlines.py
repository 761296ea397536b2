from django.core.management.base import BaseCommand

from reminders.models import ChunkState, SweepTrigger
from reminders.services import deadlines_sweep, deadlines_sweep_chunk


class Command(BaseCommand):
    help = (
        "Recalcule le planning de chaque jeune (ce que fait la tâche de nuit) : les "
        "lots sont confiés aux workers, et cette commande fait elle-même ceux qu'ils "
        "n'ont pas encore pris."
    )

    def handle(self, *args, **options):
        sweep = deadlines_sweep(trigger=SweepTrigger.MANUAL)
        pending = sweep.chunk_rows.filter(state=ChunkState.PENDING)
        computed = sum(
            deadlines_sweep_chunk(chunk_id=pk)
            for pk in pending.values_list("pk", flat=True)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Recalcul n°{sweep.pk} : {sweep.learners} planning(s) en "
                f"{sweep.chunks} lot(s), dont {computed} calculé(s) ici."
            )
        )
