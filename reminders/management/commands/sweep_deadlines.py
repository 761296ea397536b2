from django.core.management.base import BaseCommand

from reminders.services import deadlines_sweep


class Command(BaseCommand):
    help = "Recalcule le planning de chaque jeune (ce que fait la tâche de nuit)."

    def handle(self, *args, **options):
        count = deadlines_sweep()
        self.stdout.write(self.style.SUCCESS(f"{count} planning(s) recalculé(s)."))
