from django.core.management.base import BaseCommand

from reminders.services import reminders_send_due


class Command(BaseCommand):
    help = "Envoie les rappels arrivés à échéance (ce que fait la tâche périodique)."

    def handle(self, *args, **options):
        sent = reminders_send_due()
        self.stdout.write(self.style.SUCCESS(f"{sent} rappel(s) envoyé(s)."))
