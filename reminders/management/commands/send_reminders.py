from django.core.management.base import BaseCommand

from reminders.services import reminders_send_due


class Command(BaseCommand):
    help = "Envoie les rappels dus (ce que font les tâches d'envoi), jusqu'au dernier."

    def handle(self, *args, **options):
        sent = 0
        while True:
            run = reminders_send_due()
            sent += run.sent
            if not run.exhausted:
                break
        self.stdout.write(self.style.SUCCESS(f"{sent} rappel(s) envoyé(s)."))
