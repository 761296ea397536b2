from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.services import journal_record
from territories.models import EPCI, Commune

from .errors import AccountsError
from .models import LearnerProfile, Role, RoleMembership, TermsAcceptance, TermsVersion
from .permissions import Action, user_can


def age_on(*, birth_date: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def learner_onboard(
    *,
    user,
    first_name: str,
    birth_date: date,
    commune: Commune | None,
    terms: TermsVersion | None,
    terms_accepted: bool,
    today: date | None = None,
) -> LearnerProfile:
    """Complete a learner's profile: nothing is written unless every rule holds."""
    today = today or timezone.localdate()
    if user.is_onboarded:
        raise AccountsError("Ton profil est déjà complété.")
    first_name = first_name.strip()
    if not first_name:
        raise AccountsError("Indique ton prénom.", field="first_name")
    if birth_date > today:
        raise AccountsError(
            "La date de naissance ne peut pas être dans le futur.", field="birth_date"
        )
    age = age_on(birth_date=birth_date, day=today)
    low, high = settings.LEARNER_MIN_AGE, settings.LEARNER_MAX_AGE
    if age < low:
        raise AccountsError(
            f"Majorité prête s'adresse aux jeunes de {low} à {high} ans : "
            f"tu pourras créer ton profil à partir de {low} ans.",
            field="birth_date",
        )
    if age > high:
        raise AccountsError(
            f"Majorité prête s'adresse aux jeunes de {low} à {high} ans : "
            "vérifie ta date de naissance.",
            field="birth_date",
        )
    if commune is None:
        raise AccountsError("Choisis ta commune dans la liste.", field="commune_query")
    if terms is None:
        raise AccountsError(
            "Les conditions d'utilisation ne sont pas disponibles pour le moment : "
            "réessaie plus tard."
        )
    if not terms_accepted:
        raise AccountsError(
            "Pour continuer, tu dois accepter les conditions d'utilisation.",
            field="accept_terms",
        )
    with transaction.atomic():
        user.first_name = first_name
        user.save(update_fields=["first_name"])
        profile = LearnerProfile.objects.create(
            user=user, birth_date=birth_date, commune=commune
        )
        TermsAcceptance.objects.create(user=user, terms=terms)
        journal_record(
            actor=user,
            action="accounts.learner_onboarded",
            target=profile,
            details={"terms_version": terms.version, "commune": commune.insee_code},
        )
    return profile


def role_grant(*, actor, user, role: str, epci: EPCI) -> RoleMembership:
    if not user_can(actor, Action.ROLE_GRANT, epci):
        raise AccountsError("Tu ne peux pas attribuer de rôle sur ce territoire.")
    if role not in Role.values:
        raise AccountsError("Ce rôle n'existe pas.", field="role")
    try:
        with transaction.atomic():
            membership = RoleMembership.objects.create(
                user=user, role=role, epci=epci, granted_by=actor
            )
            journal_record(
                actor=actor,
                action="accounts.role_granted",
                target=membership,
                details={"user": user.pk, "role": role, "epci": epci.siren},
            )
    except IntegrityError as error:
        raise AccountsError(
            f"{user.email} a déjà ce rôle sur ce territoire.", field="email"
        ) from error
    return membership


def role_revoke(*, actor, membership: RoleMembership) -> RoleMembership:
    if not user_can(actor, Action.ROLE_REVOKE, membership):
        raise AccountsError("Tu ne peux pas retirer ce rôle.")
    with transaction.atomic():
        locked = RoleMembership.objects.select_for_update().get(pk=membership.pk)
        if locked.revoked_at is not None:
            raise AccountsError("Ce rôle a déjà été retiré.")
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        journal_record(
            actor=actor,
            action="accounts.role_revoked",
            target=locked,
            details={
                "user": locked.user_id,
                "role": locked.role,
                "epci": locked.epci.siren,
            },
        )
    return locked
