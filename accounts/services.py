import logging
import secrets
import smtplib
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.services import journal_record
from territories.models import EPCI, Commune

from .emails import role_invitation_message
from .errors import AccountsError
from .models import (
    LearnerProfile,
    Role,
    RoleInvitation,
    RoleMembership,
    TermsAcceptance,
    TermsVersion,
    User,
    invitation_token_hash,
)
from .permissions import Action, user_can
from .selectors import user_has_verified_email, user_holds_staff_role

logger = logging.getLogger(__name__)

# Staff roles go only to staff accounts: an account without a learner profile. A
# learner's account (a minor's, often) never gets one, and an account that holds a
# role does not become a learner's: each person keeps two separate accounts.
LEARNER_ACCOUNT_REFUSAL = (
    "Ce compte est un compte de jeune : pour un rôle professionnel, crée un compte "
    "avec ton adresse professionnelle. Demande ensuite une invitation à cette adresse."
)
STAFF_ACCOUNT_REFUSAL = (
    "Ce compte a un rôle professionnel : il ne peut pas avoir de profil de jeune. "
    "Si tu veux suivre Majorité prête pour toi, crée un autre compte avec ton "
    "adresse e-mail personnelle."
)
# One message for every unusable link (unknown, tampered, expired, cancelled,
# already used, another account, unverified address): it tells nothing more.
INVITATION_UNUSABLE = (
    "Ce lien d'invitation ne peut pas servir avec ce compte. L'invitation a peut-être "
    "expiré, été annulée ou déjà été acceptée, ou bien elle a été envoyée à une autre "
    "adresse que celle de ton compte (une adresse que tu as vérifiée). Demande une "
    "nouvelle invitation à la personne qui coordonne ton territoire."
)
# Inviting the same address to the same role again re-sends at most this often.
INVITATION_RESEND_INTERVAL = timedelta(hours=1)


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
        _lock_account(user)
        learner_profile_check(user=user)
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


def _lock_account(user) -> None:
    """Serialises the profile and role rules of one account (onboarding against an
    invitation accepted at the same moment)."""
    User.objects.select_for_update().filter(pk=user.pk).first()


def learner_profile_check(*, user) -> None:
    """Whether the account may get a learner profile (the admin form asks this
    too): not while it holds a staff role (see STAFF_ACCOUNT_REFUSAL)."""
    if LearnerProfile.objects.filter(user_id=user.pk).exists():
        raise AccountsError("Ton profil est déjà complété.")
    if user_holds_staff_role(user=user):
        raise AccountsError(STAFF_ACCOUNT_REFUSAL)


def role_membership_check(*, user, role: str, epci: EPCI) -> None:
    """Whether the account may receive the role (the admin form asks this too).
    Staff roles go only to staff accounts (see LEARNER_ACCOUNT_REFUSAL)."""
    if LearnerProfile.objects.filter(user_id=user.pk).exists():
        raise AccountsError(LEARNER_ACCOUNT_REFUSAL)
    if (
        RoleMembership.objects.active()
        .filter(user_id=user.pk, role=role, epci=epci)
        .exists()
    ):
        raise _already_has_role(user)


def _already_has_role(user) -> AccountsError:
    return AccountsError(f"{user.email} a déjà ce rôle sur ce territoire.")


def role_membership_create(
    *,
    actor,
    user,
    role: str,
    epci: EPCI,
    granted_by=None,
    invitation: RoleInvitation | None = None,
) -> RoleMembership:
    """Make the role active now. No permission check: the callers decide who may
    (an accepted invitation, a superuser in the admin, the demo loader); the
    staff-account rule holds whoever calls."""
    if role not in Role.values:
        raise AccountsError("Ce rôle n'existe pas.", field="role")
    with transaction.atomic():
        _lock_account(user)
        role_membership_check(user=user, role=role, epci=epci)
        try:
            with transaction.atomic():
                membership = RoleMembership.objects.create(
                    user=user, role=role, epci=epci, granted_by=granted_by
                )
        except IntegrityError as error:  # written by another path meanwhile
            raise _already_has_role(user) from error
        journal_record(
            actor=actor,
            action="accounts.role_granted",
            target=membership,
            details={
                "user": user.pk,
                "role": role,
                "epci": epci.siren,
                "invitation": invitation.pk if invitation else None,
            },
        )
    return membership


def _invitation_send(invitation: RoleInvitation, token: str) -> None:
    """Runs after the commit. A mail server failure must not turn the coordinator's
    answer into an error page: it is logged, and inviting again an hour later
    sends a new link."""
    message = role_invitation_message(invitation=invitation, token=token)
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("Invitation %s : l'e-mail n'est pas parti.", invitation.pk)


def role_invite(
    *, actor, email: str, role: str, epci: EPCI, now: datetime | None = None
) -> RoleInvitation:
    """Offer a role to an address, by e-mail. No account is looked up here: the
    effect, the answer and the e-mail are the same whether the address belongs to a
    staff account, a learner's account or no account (checked at acceptance)."""
    now = now or timezone.now()
    if not user_can(actor, Action.ROLE_GRANT, epci):
        raise AccountsError("Tu ne peux pas inviter sur ce territoire.", field="epci")
    if role not in Role.values:
        raise AccountsError("Ce rôle n'existe pas.", field="role")
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise AccountsError(
            "Cette adresse e-mail n'est pas valide.", field="email"
        ) from error
    scope = {"email": email, "role": role, "epci": epci}
    with transaction.atomic():
        invitation = (
            RoleInvitation.objects.select_for_update().open().filter(**scope).first()
        )
        if invitation is not None and invitation.sent_at > now - (
            INVITATION_RESEND_INTERVAL
        ):
            return invitation  # sent less than an hour ago: not again
        token = secrets.token_urlsafe(32)
        expires_at = now + timedelta(days=settings.ROLE_INVITATION_TTL_DAYS)
        if invitation is None:
            try:
                with transaction.atomic():
                    invitation = RoleInvitation.objects.create(
                        **scope,
                        token_hash=invitation_token_hash(token),
                        invited_by=actor,
                        created_at=now,
                        sent_at=now,
                        expires_at=expires_at,
                    )
            except IntegrityError:
                # The same invitation was sent at the same moment: that one stands.
                return RoleInvitation.objects.open().get(**scope)
            action = "accounts.role_invitation_sent"
        else:
            # A new link (the old one stops working) and a new expiry date.
            invitation.token_hash = invitation_token_hash(token)
            invitation.sent_at = now
            invitation.expires_at = expires_at
            invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
            action = "accounts.role_invitation_resent"
        journal_record(
            actor=actor,
            action=action,
            target=invitation,
            details={"role": role, "epci": epci.siren},
        )
        transaction.on_commit(lambda: _invitation_send(invitation, token))
    return invitation


def role_invitation_cancel(
    *, actor, invitation: RoleInvitation, now: datetime | None = None
) -> RoleInvitation:
    if not user_can(actor, Action.ROLE_GRANT, invitation):
        raise AccountsError("Tu ne peux pas annuler cette invitation.")
    with transaction.atomic():
        locked = (
            RoleInvitation.objects.select_for_update(of=("self",))
            .select_related("epci")
            .get(pk=invitation.pk)
        )
        if locked.accepted_at is not None or locked.cancelled_at is not None:
            raise AccountsError("Cette invitation n'est plus en attente.")
        locked.cancelled_at = now or timezone.now()
        locked.cancelled_by = actor
        locked.save(update_fields=["cancelled_at", "cancelled_by"])
        journal_record(
            actor=actor,
            action="accounts.role_invitation_cancelled",
            target=locked,
            details={"role": locked.role, "epci": locked.epci.siren},
        )
    return locked


def role_invitation_accept(
    *, user, token: str, now: datetime | None = None
) -> RoleMembership:
    """The owner of the invited address accepts: the role becomes active. Every
    unusable link gets the same refusal; a learner's account gets its own, kind
    one, and the invitation stays as it was."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            RoleInvitation.objects.select_for_update(of=("self",))
            .valid(now)
            .select_related("epci", "invited_by")
            .filter(token_hash=invitation_token_hash(token))
            .first()
        )
        if invitation is None or not user_has_verified_email(
            user=user, email=invitation.email
        ):
            raise AccountsError(INVITATION_UNUSABLE)
        # Already holding that role (given twice, say): the invitation is spent.
        membership = (
            RoleMembership.objects.active()
            .filter(user=user, role=invitation.role, epci=invitation.epci)
            .first()
        ) or role_membership_create(
            actor=user,
            user=user,
            role=invitation.role,
            epci=invitation.epci,
            granted_by=invitation.invited_by,
            invitation=invitation,
        )
        invitation.accepted_at = now
        invitation.accepted_by = user
        invitation.membership = membership
        invitation.save(update_fields=["accepted_at", "accepted_by", "membership"])
        journal_record(
            actor=user,
            action="accounts.role_invitation_accepted",
            target=invitation,
            details={
                "role": invitation.role,
                "epci": invitation.epci.siren,
                "membership": membership.pk,
            },
        )
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
