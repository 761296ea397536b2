from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The site root: who the platform is for and where to start."""

    intro = models.TextField("accroche", blank=True)
    body = RichTextField("contenu", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["curriculum.LegalPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "page d'accueil"


class LegalPage(Page):
    """Mentions légales, confidentialité, accessibilité: linked from the footer."""

    class Kind(models.TextChoices):
        LEGAL_NOTICE = "mentions", "Mentions légales"
        PRIVACY = "confidentialite", "Confidentialité"
        ACCESSIBILITY = "accessibilite", "Accessibilité"

    kind = models.CharField("type", max_length=20, choices=Kind.choices, unique=True)
    body = RichTextField("contenu")
    last_reviewed = models.DateField("dernière mise à jour", null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("last_reviewed"),
        FieldPanel("body"),
    ]
    parent_page_types = ["curriculum.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "page légale"
        verbose_name_plural = "pages légales"
