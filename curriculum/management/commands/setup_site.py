from django.core.management.base import BaseCommand

from curriculum.services import legal_pages_refresh, site_setup


class Command(BaseCommand):
    help = (
        "Crée la page d'accueil, la liste des modules, les pages légales et les "
        "conditions d'utilisation, donne au groupe Éditeurs ses droits dans le CMS "
        "(et le circuit « Relecture »), accorde l'adresse du site Wagtail à SITE_URL, "
        "et met à jour le texte des pages légales jamais modifiées dans le CMS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update-legal",
            action="store_true",
            help="Remplace aussi le texte des pages légales modifiées dans le CMS "
            "(l'ancien texte reste dans l'historique des révisions).",
        )

    def handle(self, *args, **options):
        home = site_setup()
        report = legal_pages_refresh(force=options["update_legal"])
        self.stdout.write(self.style.SUCCESS(f"Site prêt : « {home.title} »."))
        for title in report.updated:
            self.stdout.write(f"Page « {title} » mise à jour avec le texte actuel.")
        for title in report.left_as_edited:
            self.stdout.write(
                self.style.WARNING(
                    f"Page « {title} » modifiée dans le CMS : son texte n'a pas été "
                    "remplacé par celui de cette version. Relis-la, ou lance "
                    "« setup_site --update-legal » pour la remplacer."
                )
            )
