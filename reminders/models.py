import secrets
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    validate_comma_separated_integer_list,
)
from django.db import models
from django.db.models import Q
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import Orderable

from core.cms import NamedInlinePanel
from core.models import ChunkState  # noqa: F401 (re-exported: where a chunk stands)
from core.sources import checked_on_field, validate_official_url

from .timing import Offset, age_on


class Timing(models.TextChoices):
    BIRTHDAY = "birthday", "Par rapport à la date de naissance"
    YEARLY = "yearly", "Fenêtre annuelle (dates saisies chaque année)"
    MONTHLY = "monthly", "Chaque mois"
    EVENT = "event", "Après une date saisie par le ou la jeune"


class EventKind(models.TextChoices):
    MOVING_IN = "moving_in", "Emménagement dans un logement"
    ID_CARD_EXPIRY = "id_card_expiry", "Fin de validité de la carte d'identité"
    C2S_END = "c2s_end", "Fin des droits à la Complémentaire santé solidaire"
    JDC_CONVOCATION = "jdc_convocation", "Réception de la convocation à la JDC"
    PRIME_ACTIVITE = (
        "prime_activite_declaration",
        "Prochaine déclaration trimestrielle de prime d'activité",
    )


class Concern(models.TextChoices):
    JOB_SEEKER = "job_seeker", "Je suis inscrit·e à France Travail"
    STUDENT = "student", "Je suis ou serai étudiant·e"
    TENANT = "tenant", "Je suis locataire"
    C2S = "c2s", "J'ai la Complémentaire santé solidaire"
    PRIME_ACTIVITE = "prime_activite", "Je touche la prime d'activité"


class Severity(models.TextChoices):
    LOW = "faible", "faible"
    MEDIUM = "moyenne", "moyenne"
    HIGH = "elevee", "élevée"


class DeadlineRule(ClusterableModel):
    """A deadline that matters at 16-18, with what to do if it is missed."""

    code = models.SlugField("code", max_length=30, unique=True, allow_unicode=False)
    title = models.CharField("titre", max_length=200)
    module = models.ForeignKey(
        "curriculum.ModulePage",
        verbose_name="module",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    procedure = models.ForeignKey(
        "curriculum.Procedure",
        verbose_name="démarche",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.CharField("organisme", max_length=200)
    official_url = models.URLField(
        "lien officiel (source)", validators=[validate_official_url]
    )
    checked_on = checked_on_field()
    severity = models.CharField(
        "gravité si c'est manqué", max_length=10, choices=Severity.choices
    )
    what_to_do = models.TextField("que faire")
    remedy = models.TextField("si c'est manqué : comment rattraper")
    msa_note = models.TextField(
        "pour les familles MSA",
        blank=True,
        help_text="Si la règle nomme la CPAM ou la CAF : ce qui change quand la "
        "famille dépend de la MSA (site, numéros).",
    )
    min_age = models.PositiveSmallIntegerField("âge minimum", default=15)
    max_age = models.PositiveSmallIntegerField("âge maximum", default=25)
    age_at_income_year_end = models.BooleanField(
        "âge compté au 31 décembre de l'année des revenus",
        default=False,
        help_text="Pour les impôts : la déclaration d'une année porte sur les revenus "
        "de l'année d'avant ; on ne la fait pour soi qu'une fois majeur·e cette "
        "année-là.",
    )
    catch_up_days = models.PositiveIntegerField(
        "reste « à rattraper » pendant (jours après la date limite)",
        null=True,
        blank=True,
        default=92,
        help_text="Vide : tant que ce n'est pas fait (jusqu'à l'âge ci-dessous).",
    )
    catch_up_until_age = models.PositiveSmallIntegerField(
        "rattrapable jusqu'à l'âge de",
        null=True,
        blank=True,
        help_text="Le retard reste affiché jusqu'à la veille de cet anniversaire "
        "(25 pour le recensement). Vide : pas de limite d'âge.",
    )
    opt_in = models.CharField(
        "seulement si le ou la jeune l'indique",
        max_length=20,
        choices=Concern.choices,
        blank=True,
    )
    reminder_days = models.CharField(
        "rappels (jours avant la fin)",
        max_length=40,
        default="30,7,1",
        validators=[validate_comma_separated_integer_list],
    )
    remind_on_opening = models.BooleanField("rappel à l'ouverture", default=True)
    timing = models.CharField("calendrier", max_length=10, choices=Timing.choices)
    opens_years = models.SmallIntegerField("ouvre : années", default=0)
    opens_months = models.SmallIntegerField("mois", default=0)
    opens_days = models.SmallIntegerField("jours", default=0)
    closes_years = models.SmallIntegerField("ferme : années", default=0)
    closes_months = models.SmallIntegerField("mois", default=0)
    closes_days = models.SmallIntegerField("jours", default=0)
    closes_end_of_month = models.BooleanField("fin du mois", default=False)
    opens_day = models.PositiveSmallIntegerField(
        "ouvre le (jour du mois)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    closes_day = models.PositiveSmallIntegerField(
        "ferme le (jour du mois)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    event = models.CharField(
        "événement déclencheur", max_length=30, choices=EventKind.choices, blank=True
    )
    is_active = models.BooleanField("en service", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("code"),
                FieldPanel("title"),
                FieldPanel("module"),
                # A plain list: Wagtail's chooser says « Choisir un autre démarche ».
                FieldPanel("procedure", widget=forms.Select),
                FieldPanel("body"),
                FieldPanel("official_url"),
                FieldPanel("checked_on"),
            ],
            "Démarche",
        ),
        MultiFieldPanel(
            [
                FieldPanel("what_to_do"),
                FieldPanel("severity"),
                FieldPanel("remedy"),
                FieldPanel("msa_note"),
            ],
            "Conseils",
        ),
        MultiFieldPanel(
            [
                FieldPanel("timing"),
                FieldRowPanel(
                    [
                        FieldPanel("opens_years"),
                        FieldPanel("opens_months"),
                        FieldPanel("opens_days"),
                    ]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("closes_years"),
                        FieldPanel("closes_months"),
                        FieldPanel("closes_days"),
                        FieldPanel("closes_end_of_month"),
                    ]
                ),
                FieldRowPanel([FieldPanel("opens_day"), FieldPanel("closes_day")]),
                FieldPanel("event"),
                NamedInlinePanel(
                    "windows",
                    label="fenêtres annuelles",
                    add_label="Ajouter une fenêtre annuelle",
                ),
            ],
            "Calendrier",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("min_age"), FieldPanel("max_age")]),
                FieldPanel("age_at_income_year_end"),
                FieldRowPanel(
                    [FieldPanel("catch_up_days"), FieldPanel("catch_up_until_age")]
                ),
                FieldPanel("opt_in"),
                FieldPanel("reminder_days"),
                FieldPanel("remind_on_opening"),
                FieldPanel("is_active"),
            ],
            "Pour qui, quels rappels",
        ),
    ]

    class Meta:
        verbose_name = "règle d'échéance"
        verbose_name_plural = "règles d'échéance"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.title}"

    def clean(self):
        # A monthly rule has a deadline every month: only a limit in days keeps the
        # missed ones from piling up.
        if self.timing == Timing.MONTHLY and self.catch_up_days is None:
            raise ValidationError(
                {
                    "catch_up_days": "Une échéance de chaque mois doit avoir une durée "
                    "en jours pour rester « à rattraper »."
                }
            )

    def audience_age(self, birth_date: date, on: date) -> int:
        """The age that decides whether a window on `on` concerns the learner."""
        if self.age_at_income_year_end:
            return age_on(birth_date, date(on.year - 1, 12, 31))
        return age_on(birth_date, on)

    def can_catch_up(self, *, closes_on: date, birth_date: date, today: date) -> bool:
        """Whether a deadline missed on `closes_on` still has a remedy on `today`."""
        if self.catch_up_days is not None and today > closes_on + timedelta(
            days=self.catch_up_days
        ):
            return False
        return (
            self.catch_up_until_age is None
            or age_on(birth_date, today) < self.catch_up_until_age
        )

    @property
    def opens(self) -> Offset:
        return Offset(self.opens_years, self.opens_months, self.opens_days)

    @property
    def closes(self) -> Offset:
        return Offset(
            self.closes_years,
            self.closes_months,
            self.closes_days,
            end_of_month=self.closes_end_of_month,
        )

    @property
    def reminder_day_list(self) -> list[int]:
        return sorted({int(d) for d in self.reminder_days.split(",") if d.strip()})


class DeadlineWindow(Orderable):
    rule = ParentalKey(DeadlineRule, on_delete=models.CASCADE, related_name="windows")
    opens_on = models.DateField("ouvre le")
    closes_on = models.DateField("ferme le")
    dates_estimated = models.BooleanField(
        "dates estimées",
        default=False,
        help_text="Cochée tant que l'organisme n'a pas publié le calendrier de "
        "l'année : la fenêtre apparaît dans « À revérifier ».",
    )

    panels = [
        FieldPanel("opens_on"),
        FieldPanel("closes_on"),
        FieldPanel("dates_estimated"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="window_closes_after_opening",
            )
        ]


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


STANDARD_DAYS_BEFORE = (30, 7, 1)


class ReminderSettings(models.Model):
    """A learner's calendar choices: reminders on or off, which ones, what concerns
    them, and the secret of their calendar feed."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminder_settings",
    )
    enabled = models.BooleanField("recevoir les rappels par e-mail", default=True)
    remind_on_opening = models.BooleanField("le jour où ça ouvre", default=True)
    days_before = models.JSONField(default=list)
    concerns = models.JSONField(default=list)
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    # Set when the address is refused for good by the mail server.
    email_failing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "réglages de rappels"

    def __str__(self):
        return f"Rappels de {self.learner_id}"


class LearnerEvent(models.Model):
    """A date the learner entered (moving in, identity card expiry…)."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "kind"], name="one_date_per_event"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} : {self.day}"


class PersonalDeadline(models.Model):
    """One occurrence of a rule for one learner."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deadlines"
    )
    rule = models.ForeignKey(
        DeadlineRule, on_delete=models.CASCADE, related_name="occurrences"
    )
    opens_on = models.DateField()
    closes_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["closes_on", "rule__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "rule", "closes_on"], name="one_occurrence_per_date"
            )
        ]
        indexes = [models.Index(fields=["learner", "closes_on"])]

    def __str__(self):
        return f"{self.rule_id} pour {self.learner_id} : {self.closes_on}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "à envoyer"
    SENT = "sent", "envoyé"
    FAILED = "failed", "échec définitif"
    CANCELLED = "cancelled", "annulé"


class DeliveryFailure(models.TextChoices):
    REFUSED = "refused", "adresse refusée par le serveur de courrier"
    EXHAUSTED = "exhausted", "trop d'essais sans réponse du serveur"
    PREPARATION = "preparation", "message impossible à préparer"


class ReminderDelivery(models.Model):
    """One reminder e-mail: learner × occurrence × offset, sent exactly once."""

    OPENING = "ouverture"

    deadline = models.ForeignKey(
        PersonalDeadline, on_delete=models.CASCADE, related_name="deliveries"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    offset = models.CharField(max_length=12)  # "J-30", "J-7", "J-1", "ouverture"
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    failure = models.CharField(
        max_length=12, choices=DeliveryFailure.choices, blank=True
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "envoi de rappel"
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "offset"], name="one_reminder_per_offset"
            )
        ]
        indexes = [
            # The due-scan reads only pending rows, by due time: O(due).
            models.Index(
                fields=["due_at"],
                name="reminder_pending_due",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self):
        return f"Rappel {self.offset} de {self.deadline_id} ({self.status})"

    @property
    def can_be_retried(self) -> bool:
        """Failed for a reason that may have gone: not an address the server
        refused (that one stays refused)."""
        return (
            self.status == DeliveryStatus.FAILED
            and self.failure != DeliveryFailure.REFUSED
        )


class SweepTrigger(models.TextChoices):
    NIGHTLY = "nightly", "tâche de nuit"
    RULE_CHANGE = "rule_change", "règle modifiée"
    MANUAL = "manual", "lancé à la main"


class DeadlineSweep(models.Model):
    """One recomputation of every learner's calendar, cut into chunks of learner ids
    that workers compute in parallel. The rows are the record: a chunk whose message
    was lost, or whose worker was killed, is found again and re-run."""

    trigger = models.CharField(max_length=12, choices=SweepTrigger.choices)
    today = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    learners = models.PositiveIntegerField(default=0)
    chunks = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "recalcul des plannings"
        verbose_name_plural = "recalculs des plannings"
        ordering = ["-started_at"]

    def __str__(self):
        return f"Recalcul du {self.started_at:%Y-%m-%d %H:%M} ({self.trigger})"


class DeadlineSweepChunk(models.Model):
    """The learners of a sweep whose ids lie between `first_id` and `last_id`."""

    sweep = models.ForeignKey(
        DeadlineSweep, on_delete=models.CASCADE, related_name="chunk_rows"
    )
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    state = models.CharField(
        max_length=8, choices=ChunkState.choices, default=ChunkState.PENDING
    )
    # Times it was handed to the workers again after its message or worker was lost.
    resumes = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    learners_done = models.PositiveIntegerField(default=0)
    learners_failed = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["first_id"]
        indexes = [
            models.Index(
                fields=["enqueued_at"],
                name="sweep_chunk_pending",
                condition=Q(state="pending"),
            )
        ]

    def __str__(self):
        return f"Lot {self.first_id}–{self.last_id} ({self.state})"
