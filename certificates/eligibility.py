"""Whether a learner may receive the certificate, and every reason when not: one
function, used by issuance, the sweep and the learner's "Mon parcours"."""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from django.utils import timezone

from accounts.models import LearnerProfile
from accounts.services import age_on
from assessments.models import Attainment, AttainmentSource
from core.formatting import date_text, quantity
from curriculum.models import Competency, Framework
from curriculum.selectors import framework_competencies, framework_current
from territories.models import EPCI, Pilot

from .credentials import CompetencyLine
from .models import Certificate

MIN_AGE = 16


class Rule(StrEnum):
    ACCOUNT_ACTIVE = "account_active"
    PROFILE = "profile"
    PILOT = "pilot"
    AGE = "age"
    FRAMEWORK = "framework"
    COMPETENCIES = "competencies"
    NOT_REVOKED = "not_revoked"


@dataclass(frozen=True)
class Reason:
    rule: Rule
    message: str  # to the learner, kindly


@dataclass
class Eligibility:
    reasons: list[Reason] = field(default_factory=list)
    framework: Framework | None = None
    epci: EPCI | None = None
    # Every competency of the framework version, and those still to attain.
    required: list[Competency] = field(default_factory=list)
    missing: list[Competency] = field(default_factory=list)
    in_person: set[int] = field(default_factory=set)  # competencies validated so
    certificate: Certificate | None = None  # already issued under this version

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def rules(self) -> set[Rule]:
        return {reason.rule for reason in self.reasons}

    def competency_lines(self) -> list[CompetencyLine]:
        return [
            CompetencyLine(c.code, c.label, in_person=c.pk in self.in_person)
            for c in self.required
        ]


def birthday(birth_date: date, years: int) -> date:
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:  # born on 29 February
        return date(birth_date.year + years, 3, 1)


def certificate_eligibility(*, learner, now: datetime | None = None) -> Eligibility:
    """Every rule the learner does not meet yet, on the day of `now`: account
    active; resident commune in an EPCI with a pilot on that day; 16 or older;
    every competency of the framework version in force attained (in-person ones
    included); no revoked certificate under that version."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    result = Eligibility()
    reasons = result.reasons
    if not learner.is_active:
        reasons.append(
            Reason(
                Rule.ACCOUNT_ACTIVE,
                "Ton compte est suspendu : l'attestation ne peut pas être délivrée "
                "tant qu'il l'est.",
            )
        )
    profile = (
        LearnerProfile.objects.select_related("commune__epci")
        .filter(user=learner)
        .first()
    )
    if profile is None:
        reasons.append(
            Reason(
                Rule.PROFILE,
                "Complète ton profil (date de naissance et commune) : c'est lui qui "
                "dit si l'attestation est proposée chez toi.",
            )
        )
    else:
        epci = profile.commune.epci
        if epci is None or not Pilot.objects.active_on(day).filter(epci=epci).exists():
            reasons.append(
                Reason(
                    Rule.PILOT,
                    "Pour l'instant, l'attestation n'est délivrée qu'aux jeunes des "
                    "communautés de communes pilotes, et "
                    f"{profile.commune.name} n'en fait pas partie aujourd'hui. Tout "
                    "le reste est pour toi : modules, quiz, planning et lieux "
                    "d'aide, et ce que tu as acquis est gardé.",
                )
            )
        else:
            result.epci = epci
        if age_on(birth_date=profile.birth_date, day=day) < MIN_AGE:
            reasons.append(
                Reason(
                    Rule.AGE,
                    f"L'attestation se délivre à partir de {MIN_AGE} ans : tu "
                    "pourras la recevoir à partir du "
                    f"{date_text(birthday(profile.birth_date, MIN_AGE))}. D'ici là, "
                    "tout ce que tu acquiers est gardé.",
                )
            )
    framework = framework_current(now=now)
    result.framework = framework
    if framework is None:
        reasons.append(
            Reason(
                Rule.FRAMEWORK,
                "Le référentiel de l'attestation n'est pas encore publié : reviens "
                "bientôt.",
            )
        )
        return result
    result.required = framework_competencies(framework)
    attained = dict(
        Attainment.objects.filter(learner=learner, framework=framework).values_list(
            "competency_id", "source"
        )
    )
    result.in_person = {
        pk for pk, source in attained.items() if source == AttainmentSource.IN_PERSON
    }
    result.missing = [c for c in result.required if c.pk not in attained]
    if result.missing:
        left = quantity(len(result.missing), "compétence", "compétences")
        reasons.append(
            Reason(
                Rule.COMPETENCIES,
                f"Il te reste {left} à acquérir, à ton rythme.",
            )
        )
    result.certificate = (
        Certificate.objects.filter(learner=learner, framework=framework)
        .defer("pdf", "credential")
        .first()
    )
    if result.certificate is not None and result.certificate.is_revoked:
        reasons.append(
            Reason(
                Rule.NOT_REVOKED,
                "Ton attestation pour cette version du référentiel a été révoquée "
                f"le {date_text(timezone.localdate(result.certificate.revoked_at))}. "
                "Tu pourras en recevoir une nouvelle avec la prochaine version du "
                "référentiel, quand tu en auras acquis les compétences.",
            )
        )
    return result
