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
