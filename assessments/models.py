import uuid
from datetime import timedelta

from django import forms
from django.conf import settings
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Orderable

from core.cms import NamedInlinePanel
from core.sources import checked_on_field, source_url_field

from .errors import AssessmentsError


class QuestionKind(models.TextChoices):
    SINGLE = "single", "Choix unique"
    MULTIPLE = "multiple", "Choix multiples"
    TRUE_FALSE = "true_false", "Vrai ou faux"
    ORDER = "order", "Remettre les étapes dans l'ordre"


class Question(ClusterableModel):
    """A question of the bank, attached to one competency. For "order" questions the
    choices are entered in the right order (each marked as a right answer)."""

    competency = models.ForeignKey(
        "curriculum.Competency",
        verbose_name="compétence",
        on_delete=models.PROTECT,
        related_name="questions",
    )
    kind = models.CharField("type", max_length=12, choices=QuestionKind.choices)
    prompt = models.TextField("question")
    explanation = models.TextField(
        "explication", help_text="Montrée après la réponse, juste ou fausse."
    )
    source_url = source_url_field()
    checked_on = checked_on_field()
    is_active = models.BooleanField("en service", default=True)

    panels = [
        # A plain list: Wagtail's chooser says « Choisir un autre compétence ».
        FieldPanel("competency", widget=forms.Select),
        FieldPanel("kind"),
        FieldPanel("prompt"),
        FieldPanel("explanation"),
        MultiFieldPanel(
            [FieldPanel("source_url"), FieldPanel("checked_on")],
            "Source de l'explication",
        ),
        FieldPanel("is_active"),
        NamedInlinePanel(
            "choices",
            label="réponses proposées",
            add_label="Ajouter une réponse",
            min_num=2,
        ),
    ]

    class Meta:
        verbose_name = "question"
        ordering = ["competency__code", "pk"]

    def __str__(self):
        return f"{self.competency.code} — {self.prompt[:80]}"


class Choice(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField("réponse", max_length=300)
    is_correct = models.BooleanField("bonne réponse", default=False)
    feedback = models.TextField("retour", blank=True)

    panels = [FieldPanel("text"), FieldPanel("is_correct"), FieldPanel("feedback")]

    class Meta(Orderable.Meta):
        verbose_name = "réponse proposée"

    def __str__(self):
        return self.text


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", "en cours"
    GRADED = "graded", "corrigé"


class Attempt(models.Model):
    """One sitting of a module's quiz, with exactly what was served."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    module = models.ForeignKey(
        "curriculum.ModulePage", on_delete=models.PROTECT, related_name="attempts"
    )
    framework = models.ForeignKey(
        "curriculum.Framework", on_delete=models.PROTECT, related_name="attempts"
    )
    state = models.CharField(
        max_length=12, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS
    )
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)

    class Meta:
        verbose_name = "tentative"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["learner", "module", "-started_at"])]

    def __str__(self):
        return (
            f"Quiz {self.module_id} de {self.learner_id} ({self.get_state_display()})"
        )

    @property
    def is_graded(self) -> bool:
        return self.state == AttemptState.GRADED

    def retry_at(self, cooldown_minutes: int):
        return self.submitted_at + timedelta(minutes=cooldown_minutes)


class ServedQuestion(models.Model):
    """A question exactly as an attempt served it: its text, its options in the order
    shown, each behind a random token, and which were right. The attempt is graded and
    shown from this snapshot only, so later edits of the bank never change a result,
    and the form never carries anything (ids, order) that tells the right answer."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="served_questions"
    )
    # The bank's question it was drawn from (gone if an editor deletes it).
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    competency = models.ForeignKey(
        "curriculum.Competency", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    prompt = models.TextField()
    explanation = models.TextField()
    source_url = models.URLField(blank=True)
    checked_on = models.DateField(null=True, blank=True)
    options = models.JSONField(
        help_text="Réponses dans l'ordre montré : jeton, texte, retour, juste ou non "
        "(et, pour « remettre dans l'ordre », le bon rang)."
    )
    # Filled at grading: the tokens chosen (in the learner's order for "order").
    answer = models.JSONField(null=True, blank=True)
    score = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="question_served_once"
            ),
            models.UniqueConstraint(
                fields=["attempt", "position"], name="one_question_per_position"
            ),
        ]

    def __str__(self):
        return f"Question {self.position} de {self.attempt_id}"

    @property
    def is_order(self) -> bool:
        return self.kind == QuestionKind.ORDER

    @property
    def tokens(self) -> list[str]:
        """The options' tokens, in the order shown."""
        return [option["token"] for option in self.options]

    @property
    def right_answer(self) -> list[str]:
        """The right tokens: every option in the right order for "order" questions,
        the right options otherwise."""
        if self.is_order:
            ranked = sorted(self.options, key=lambda option: option["rank"])
            return [option["token"] for option in ranked]
        return [option["token"] for option in self.options if option["correct"]]


class AttainmentSource(models.TextChoices):
    QUIZ = "quiz", "quiz"
    IN_PERSON = "in_person", "validation en personne"


class Attainment(models.Model):
    """A competency attained by a learner under a framework version. Never removed
    by a later failed attempt."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attainments"
    )
    competency = models.ForeignKey(
        "curriculum.Competency", on_delete=models.PROTECT, related_name="attainments"
    )
    framework = models.ForeignKey(
        "curriculum.Framework", on_delete=models.PROTECT, related_name="attainments"
    )
    source = models.CharField(max_length=12, choices=AttainmentSource.choices)
    attained_at = models.DateTimeField()
    attempt = models.ForeignKey(
        Attempt,
        verbose_name="preuve",
        null=True,
        blank=True,
        # The proof cannot go alone, but goes with the learner's account.
        on_delete=models.RESTRICT,
        related_name="attainments",
    )
    validation = models.ForeignKey(
        "InPersonValidation",
        verbose_name="validation en personne",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="attainments",
    )

    class Meta:
        verbose_name = "compétence acquise"
        verbose_name_plural = "compétences acquises"
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "competency", "framework"],
                name="attained_once_per_framework",
            )
        ]

    def __str__(self):
        return f"{self.competency_id} acquise par {self.learner_id}"


class Passport(models.Model):
    """A short code a learner shows an informer: the first informer who redeems it
    opens the learner's validation page for a while, then the code is spent. Only
    a keyed hash of the code is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passports"
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.ForeignKey(
        "directory.HelpPlace",
        verbose_name="lieu",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    access_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "passeport"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["learner", "-redeemed_at"])]

    def __str__(self):
        return f"Passeport de {self.learner_id} ({self.created_at:%Y-%m-%d %H:%M})"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AssessmentsError(APPEND_ONLY)

    def delete(self):
        raise AssessmentsError(APPEND_ONLY)


APPEND_ONLY = (
    "Une validation ne se modifie ni ne se supprime : on la retire par une nouvelle "
    "entrée, avec sa raison."
)


class AppendOnlyModel(models.Model):
    """Rows written once: refused on update and on delete (they go only with the
    learner's account, through the database's cascade)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AssessmentsError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AssessmentsError(APPEND_ONLY)


class InPersonValidation(AppendOnlyModel):
    """An informer saw the learner do what a competency asks, at a help place."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="in_person_validations",
    )
    competency = models.ForeignKey(
        "curriculum.Competency", on_delete=models.PROTECT, related_name="+"
    )
    framework = models.ForeignKey(
        "curriculum.Framework", on_delete=models.PROTECT, related_name="+"
    )
    informer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="informateur·rice",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.ForeignKey(
        "directory.HelpPlace", on_delete=models.PROTECT, related_name="+"
    )
    # The session it was made in; goes only with the learner's account.
    passport = models.ForeignKey(
        Passport, on_delete=models.RESTRICT, related_name="validations"
    )
    note = models.TextField("note")
    validated_at = models.DateTimeField()

    class Meta:
        verbose_name = "validation en personne"
        verbose_name_plural = "validations en personne"
        ordering = ["-validated_at"]

    def __str__(self):
        return f"{self.competency_id} validée pour {self.learner_id}"


class ValidationWithdrawal(AppendOnlyModel):
    """A mistaken validation, withdrawn by its author or a coordinator."""

    validation = models.OneToOneField(
        InPersonValidation, on_delete=models.CASCADE, related_name="withdrawal"
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField("raison")
    withdrawn_at = models.DateTimeField()

    class Meta:
        verbose_name = "retrait de validation"
        verbose_name_plural = "retraits de validation"

    def __str__(self):
        return f"Retrait de la validation {self.validation_id}"


class VisitPurpose(models.TextChoices):
    CAF = "caf", "CAF"
    CPAM = "cpam", "CPAM / ameli"
    TAXES = "impots", "Impôts"
    PARCOURSUP = "parcoursup", "Parcoursup"
    JOBS = "emploi", "Emploi"
    CV = "cv", "CV"
    PRINTING = "impression", "Impression"
    VALIDATION = "validation", "Validation Majorité prête"
    OTHER = "autre", "Autre"


class AgeBand(models.TextChoices):
    UNDER_16 = "-16", "moins de 16 ans"
    FROM_16 = "16-17", "16 – 17 ans"
    FROM_18 = "18-21", "18 – 21 ans"
    FROM_22 = "22-25", "22 – 25 ans"
    OVER_25 = "26+", "26 ans et plus"
    UNKNOWN = "?", "non précisé"

    @classmethod
    def for_age(cls, age: int) -> "AgeBand":
        if age < 16:
            return cls.UNDER_16
        if age < 18:
            return cls.FROM_16
        if age < 22:
            return cls.FROM_18
        if age < 26:
            return cls.FROM_22
        return cls.OVER_25


VISIT_MAX_MINUTES = 8 * 60


class Visit(models.Model):
    """One line of a place's visit register (what the CAF asks of a PIJ): never a
    name, only what the summary counts."""

    place = models.ForeignKey(
        "directory.HelpPlace", on_delete=models.PROTECT, related_name="visits"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    visited_at = models.DateTimeField()
    purpose = models.CharField("motif", max_length=12, choices=VisitPurpose.choices)
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    age_band = models.CharField("tranche d'âge", max_length=5, choices=AgeBand.choices)
    minutes = models.PositiveSmallIntegerField("durée (minutes)")
    printed = models.BooleanField("impression", default=False)
    # The validation session it records, if any (one visit per session).
    passport = models.OneToOneField(
        Passport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visit",
    )

    class Meta:
        verbose_name = "passage"
        verbose_name_plural = "registre d'accueil"
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["place", "visited_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=VISIT_MAX_MINUTES),
                name="visit_minutes_plausible",
            )
        ]

    def __str__(self):
        return f"Passage du {self.visited_at:%Y-%m-%d} ({self.place_id})"
