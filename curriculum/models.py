from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from core.sources import checked_on_field, source_url_field

from .blocks import ModuleBodyBlock


class HomePage(Page):
    """The site root: who the platform is for and where to start."""

    intro = models.TextField("accroche", blank=True)
    body = RichTextField("contenu", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["curriculum.LegalPage", "curriculum.ModuleIndexPage"]
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


competency_code_validator = RegexValidator(
    r"^[A-Z]+-\d{2}$", "Code attendu : LETTRES-00, par exemple CAF-01."
)


class Competency(models.Model):
    code = models.CharField(
        "code", max_length=20, unique=True, validators=[competency_code_validator]
    )
    label = models.CharField("intitulé", max_length=200)
    description = models.TextField("description")
    requires_in_person = models.BooleanField(
        "validation en personne",
        default=False,
        help_text="Un·e informateur·rice doit voir le ou la jeune le faire.",
    )
    what_to_observe = models.TextField(
        "ce qu'il faut observer",
        blank=True,
        help_text="Pour une validation en personne : ce que l'informateur·rice "
        "regarde le ou la jeune faire, sans jamais le faire à sa place.",
    )

    panels = [
        FieldPanel("code"),
        FieldPanel("label"),
        FieldPanel("description"),
        FieldPanel("requires_in_person"),
        FieldPanel("what_to_observe"),
    ]

    # What a published framework version certifies: fixed once the version is out.
    FROZEN_FIELDS = ("code", "label", "requires_in_person")

    class Meta:
        verbose_name = "compétence"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.label}"

    def save(self, *args, **kwargs):
        errors = self._frozen_changes()
        if errors:
            raise ValidationError(errors)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        versions = self.published_versions()
        if versions:
            raise ValidationError(competency_frozen_message(self.code, versions))
        return super().delete(*args, **kwargs)

    def clean(self):
        errors = self._frozen_changes()
        if errors:
            raise ValidationError(errors)

    def published_versions(self) -> list[int]:
        if self.pk is None:
            return []
        return list(
            Framework.objects.published()
            .filter(competencies=self)
            .order_by("version")
            .values_list("version", flat=True)
        )

    def _frozen_changes(self) -> dict[str, str]:
        """The frozen fields this edit would change, each with the reason it cannot,
        when the competency belongs to a published framework version."""
        if self.pk is None:
            return {}
        stored = type(self).objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS)
        stored = stored.first()
        if stored is None:
            return {}
        changed = [
            name for name in self.FROZEN_FIELDS if getattr(self, name) != stored[name]
        ]
        versions = self.published_versions() if changed else []
        if not versions:
            return {}
        message = competency_frozen_message(stored["code"], versions)
        return dict.fromkeys(changed, message)


def competency_frozen_message(code: str, versions: list[int]) -> str:
    listed = ", ".join(str(version) for version in versions)
    which = (
        f"la version {listed} publiée"
        if len(versions) == 1
        else f"les versions {listed} publiées"
    )
    return (
        f"{code} fait partie de {which} du référentiel : son code, son "
        "intitulé et son mode de validation ne changent plus, pour que les "
        "compétences déjà acquises et les attestations gardent leur sens. Pour une "
        "prochaine version, crée une nouvelle compétence et ajoute-la au brouillon "
        "de la version suivante."
    )


FROZEN_MESSAGE = (
    "Une version publiée du référentiel ne se modifie plus : crée une nouvelle version."
)


class FrameworkQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)


class Framework(ClusterableModel):
    """A version of the competency framework. Once published it is frozen, so that
    issued certificates keep meaning what they meant."""

    name = models.CharField(
        "nom", max_length=200, default="Attestation d'autonomie — Majorité prête"
    )
    version = models.PositiveIntegerField("version")
    competencies = ParentalManyToManyField(
        Competency, verbose_name="compétences requises", related_name="frameworks"
    )
    mastery_threshold = models.DecimalField(
        "seuil de maîtrise",
        max_digits=3,
        decimal_places=2,
        default=0.8,
        validators=[MinValueValidator(0.5), MaxValueValidator(1)],
        help_text="Part des questions d'une compétence à réussir (0,80 = 80 %).",
    )
    questions_per_competency = models.PositiveSmallIntegerField(
        "questions par compétence",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    quiz_cooldown_minutes = models.PositiveIntegerField(
        "délai avant de refaire un quiz (minutes)", default=30
    )
    attempt_time_limit_minutes = models.PositiveIntegerField(
        "durée de validité d'un quiz commencé (minutes)",
        default=120,
        validators=[MinValueValidator(5)],
    )
    published_at = models.DateTimeField("publiée le", null=True, blank=True)

    objects = FrameworkQuerySet.as_manager()

    panels = [
        MultiFieldPanel([FieldPanel("name"), FieldPanel("version")], "Version"),
        FieldPanel("competencies"),
        MultiFieldPanel(
            [
                FieldPanel("mastery_threshold"),
                FieldPanel("questions_per_competency"),
                FieldPanel("quiz_cooldown_minutes"),
                FieldPanel("attempt_time_limit_minutes"),
            ],
            "Quiz",
        ),
        FieldPanel("published_at"),
    ]

    class Meta:
        verbose_name = "référentiel"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"], name="framework_version_unique"
            )
        ]

    def __str__(self):
        state = "publiée" if self.published_at else "brouillon"
        return f"{self.name} — v{self.version} ({state})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def _stored_is_published(self) -> bool:
        return (
            self.pk is not None
            and type(self)
            .objects.filter(pk=self.pk, published_at__isnull=False)
            .exists()
        )

    def clean(self):
        if self._stored_is_published():
            raise ValidationError(FROZEN_MESSAGE)

    def save(self, *args, **kwargs):
        if self._stored_is_published():
            raise ValidationError(FROZEN_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_is_published():
            raise ValidationError(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)


class Procedure(index.Indexed, models.Model):
    """A real procedure a module points to, with its official online service."""

    code = models.SlugField("code", max_length=60, unique=True)
    title = models.CharField("titre", max_length=200)
    institution = models.CharField("organisme", max_length=200)
    online_service_url = models.URLField("service en ligne officiel", blank=True)
    form_reference = models.CharField(
        "formulaire",
        max_length=100,
        blank=True,
        help_text="Numéro Cerfa s'il y en a un.",
    )
    where_to_get_help = models.TextField("où trouver de l'aide")
    if_it_goes_wrong = models.TextField("si ça se passe mal")
    msa_where_to_get_help = models.TextField(
        "pour les familles MSA",
        blank=True,
        help_text="Si la démarche passe par la CPAM ou la CAF : ce qui change quand la "
        "famille dépend de la MSA (où la faire, qui appeler). Montré à sa place aux "
        "jeunes qui ont dit dépendre de la MSA.",
    )
    source_url = source_url_field()
    checked_on = checked_on_field()

    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.SearchField("institution"),
    ]
    panels = [
        FieldPanel("code"),
        FieldPanel("title"),
        FieldPanel("institution"),
        FieldPanel("online_service_url"),
        FieldPanel("form_reference"),
        FieldPanel("where_to_get_help"),
        FieldPanel("if_it_goes_wrong"),
        FieldPanel("msa_where_to_get_help"),
        MultiFieldPanel([FieldPanel("source_url"), FieldPanel("checked_on")], "Source"),
    ]

    class Meta:
        verbose_name = "démarche"
        ordering = ["title"]

    def __str__(self):
        return self.title


class ModuleIndexPage(Page):
    """« Les modules » : the list of modules, in the page tree's order."""

    intro = models.TextField("introduction", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["curriculum.HomePage"]
    subpage_types = ["curriculum.ModulePage"]
    max_count = 1

    class Meta:
        verbose_name = "liste des modules"

    def get_context(self, request, *args, **kwargs):
        from .selectors import module_list

        context = super().get_context(request, *args, **kwargs)
        context["modules"] = module_list()
        return context


class ModulePage(Page):
    """A module of « mes démarches au quotidien »: short grains, then its quiz."""

    intro = models.TextField("introduction")
    duration_minutes = models.PositiveSmallIntegerField("durée estimée (minutes)")
    competencies = ParentalManyToManyField(
        Competency, verbose_name="compétences travaillées", related_name="modules"
    )
    easy_read = models.TextField(
        "résumé facile à lire (FALC)", help_text="Une idée par ligne, des mots simples."
    )
    body = StreamField(ModuleBodyBlock(), verbose_name="contenu")

    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("duration_minutes"),
        FieldPanel("competencies"),
        FieldPanel("easy_read"),
        FieldPanel("body"),
    ]
    parent_page_types = ["curriculum.ModuleIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "module"

    def get_context(self, request, *args, **kwargs):
        from accounts.selectors import learner_family_msa

        context = super().get_context(request, *args, **kwargs)
        context["family_msa"] = learner_family_msa(user=request.user)
        return context

    @property
    def easy_read_lines(self) -> list[str]:
        return [line.strip() for line in self.easy_read.splitlines() if line.strip()]
