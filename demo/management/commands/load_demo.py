from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.services import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Charge les données de démonstration (mode embarqué uniquement)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Les comptes de démonstration ne se chargent qu'en mode embarqué "
                "(DEBUG=true) : ils ont des mots de passe publics."
            )
        accounts = demo_load()
        self.stdout.write(self.style.SUCCESS("Démo chargée. Comptes :"))
        for account in accounts:
            self.stdout.write(f"  {account.email:40} {account.description}")
        self.stdout.write(f"Mot de passe de tous les comptes : {DEMO_PASSWORD}")
