from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import inactive_accounts_purge


class Command(BaseCommand):
    help = (
        "Avertit puis supprime les comptes sans connexion depuis "
        "INACTIVE_ACCOUNT_DELETE_AFTER_DAYS jours (ce que fait la tâche de nuit)."
    )

    def handle(self, *args, **options):
        report = inactive_accounts_purge()
        self.stdout.write(
            self.style.SUCCESS(
                f"Comptes sans connexion depuis "
                f"{settings.INACTIVE_ACCOUNT_DELETE_AFTER_DAYS} jours : "
                f"{report.warned} averti(s), {report.deleted} supprimé(s), "
                f"{report.failed} en échec (voir le journal des erreurs)."
            )
        )
