"""Whether a learner may receive the certificate, and every reason when not: one
decision, used by issuance, the batches and the learner's "Mon parcours", over facts
loaded for one learner or for a whole chunk at once."""

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


@dataclass
class EligibilityFacts:
    """What the rules read for a set of learners, loaded with one query each: a
    chunk of a batch decides for all its learners at a fixed number of queries."""

    day: date
    framework: Framework | None
    required: list[Competency]
    profiles: dict[int, LearnerProfile]  # by learner id
    pilot_epcis: set[int]  # their EPCIs with a pilot on `day`
    attained: dict[int, dict[int, str]]  # learner id → competency id → source
    certificates: dict[int, Certificate]  # under `framework`, by learner id


def eligibility_facts(*, learner_ids: list[int], now: datetime) -> EligibilityFacts:
    day = timezone.localdate(now)
    profiles = {
        profile.user_id: profile
        for profile in LearnerProfile.objects.select_related("commune__epci").filter(
            user_id__in=learner_ids
        )
    }
    epci_ids = {p.commune.epci_id for p in profiles.values() if p.commune.epci_id}
    pilot_epcis = (
        set(
            Pilot.objects.active_on(day)
            .filter(epci_id__in=epci_ids)
            .values_list("epci_id", flat=True)
        )
        if epci_ids
        else set()
    )
    framework = framework_current(now=now)
    facts = EligibilityFacts(day, framework, [], profiles, pilot_epcis, {}, {})
    if framework is None:
        return facts
    facts.required = framework_competencies(framework)
    for learner_id, competency_id, source in Attainment.objects.filter(
        learner_id__in=learner_ids, framework=framework
    ).values_list("learner_id", "competency_id", "source"):
        facts.attained.setdefault(learner_id, {})[competency_id] = source
    facts.certificates = {
        certificate.learner_id: certificate
        for certificate in Certificate.objects.filter(
            learner_id__in=learner_ids, framework=framework
        ).defer("pdf", "credential")
    }
    return facts


def certificate_eligibility(*, learner, now: datetime | None = None) -> Eligibility:
    """Every rule the learner does not meet yet, on the day of `now` (see
    `eligibility_decide`)."""
    facts = eligibility_facts(learner_ids=[learner.pk], now=now or timezone.now())
    return eligibility_decide(learner=learner, facts=facts)


def eligibility_decide(*, learner, facts: EligibilityFacts) -> Eligibility:
    """Every rule the learner does not meet yet, on the facts' day: account
    active; resident commune in an EPCI with a pilot on that day; 16 or older;
    every competency of the framework version in force attained (in-person ones
    included); no revoked certificate under that version."""
    day = facts.day
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
    profile = facts.profiles.get(learner.pk)
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
        if epci is None or epci.pk not in facts.pilot_epcis:
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
    framework = facts.framework
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
    result.required = list(facts.required)
    attained = facts.attained.get(learner.pk, {})
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
    result.certificate = facts.certificates.get(learner.pk)
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
