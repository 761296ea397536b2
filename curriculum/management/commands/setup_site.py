from django.core.management.base import BaseCommand

from curriculum.services import site_setup


class Command(BaseCommand):
    help = "Crée la page d'accueil, les pages légales et les conditions d'utilisation."

    def handle(self, *args, **options):
        home = site_setup()
        self.stdout.write(self.style.SUCCESS(f"Site prêt : « {home.title} »."))
