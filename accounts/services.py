import logging
import secrets
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, router, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.deletion import Collector
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.formatting import date_text
from core.services import journal_record
from territories.models import EPCI, Commune

from . import personal_data
from .emails import role_invitation_message
from .errors import AccountsError
from .models import (
    InactivityWarning,
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


def learner_profile_problems(
    *, first_name: str | None, birth_date: date | None, today: date
) -> dict[str, str]:
    """Every rule that a learner's first name and birth date break, by field, so
    that a form shows them all at once (None: not readable yet, not checked)."""
    problems = {}
    if first_name is not None and not first_name.strip():
        problems["first_name"] = "Indique ton prénom."
    if birth_date is None:
        return problems
    low, high = settings.LEARNER_MIN_AGE, settings.LEARNER_MAX_AGE
    age = age_on(birth_date=birth_date, day=today)
    if birth_date > today:
        problems["birth_date"] = "La date de naissance ne peut pas être dans le futur."
    elif age < low:
        problems["birth_date"] = (
            f"Majorité prête s'adresse aux jeunes de {low} à {high} ans : "
            f"tu pourras créer ton profil à partir de {low} ans."
        )
    elif age > high:
        problems["birth_date"] = (
            f"Majorité prête s'adresse aux jeunes de {low} à {high} ans : "
            "vérifie ta date de naissance."
        )
    return problems


def _learner_fields_check(
    *, first_name: str, birth_date: date, commune: Commune | None, today: date
) -> str:
    """The rules a learner's profile follows, at onboarding and when corrected;
    returns the first name as it will be stored."""
    problems = learner_profile_problems(
        first_name=first_name, birth_date=birth_date, today=today
    )
    if problems:
        field, message = next(iter(problems.items()))
        raise AccountsError(message, field=field)
    if commune is None:
        raise AccountsError("Choisis ta commune dans la liste.", field="commune_query")
    return first_name.strip()


def learner_onboard(
    *,
    user,
    first_name: str,
    birth_date: date,
    commune: Commune | None,
    terms: TermsVersion | None,
    terms_accepted: bool,
    family_msa: bool | None = None,
    today: date | None = None,
) -> LearnerProfile:
    """Complete a learner's profile: nothing is written unless every rule holds."""
    today = today or timezone.localdate()
    if user.is_onboarded:
        raise AccountsError("Ton profil est déjà complété.")
    first_name = _learner_fields_check(
        first_name=first_name, birth_date=birth_date, commune=commune, today=today
    )
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
            user=user, birth_date=birth_date, commune=commune, family_msa=family_msa
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


def learner_profile_update(
    *,
    user,
    first_name: str,
    birth_date: date,
    commune: Commune | None,
    family_msa: bool | None = None,
    today: date | None = None,
) -> LearnerProfile:
    """A learner corrects their first name, birth date, commune or MSA answer; what
    depends on them (the planning) is recomputed in the same transaction. The journal
    names the fields that changed, never their values."""
    today = today or timezone.localdate()
    first_name = _learner_fields_check(
        first_name=first_name, birth_date=birth_date, commune=commune, today=today
    )
    with transaction.atomic():
        profile = LearnerProfile.objects.select_for_update().filter(user=user).first()
        if profile is None:
            raise AccountsError("Complète d'abord ton profil.")
        changed = [
            name
            for name, old, new in (
                ("first_name", user.first_name, first_name),
                ("birth_date", profile.birth_date, birth_date),
                ("commune", profile.commune_id, commune.pk),
                ("family_msa", profile.family_msa, family_msa),
            )
            if old != new
        ]
        if not changed:
            return profile
        user.first_name = first_name
        user.save(update_fields=["first_name"])
        profile.birth_date = birth_date
        profile.commune = commune
        profile.family_msa = family_msa
        profile.save(update_fields=["birth_date", "commune", "family_msa"])
        user.learner_profile = profile  # what the callbacks read
        journal_record(
            actor=user,
            action="accounts.learner_profile_updated",
            target=profile,
            details={"fields": changed},
        )
        personal_data.profile_changed_notify(user=user, today=today)
    return profile


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


def role_membership_places_set(
    *, actor, membership: RoleMembership, places: list
) -> RoleMembership:
    """Name the help places where an informer works: places of the membership's
    EPCI only, chosen by one of its coordinators."""
    if not user_can(actor, Action.ROLE_GRANT, membership.epci):
        raise AccountsError("Vous ne pouvez pas modifier les rôles de ce territoire.")
    if membership.role != Role.INFORMER or membership.revoked_at is not None:
        raise AccountsError(
            "Seul le rôle actif d'un·e informateur·rice a des lieux d'accueil."
        )
    outside = [place.nom for place in places if place.epci_id != membership.epci_id]
    if outside:
        raise AccountsError(
            f"Ces lieux ne sont pas de {membership.epci.name} : {', '.join(outside)}.",
            field="places",
        )
    with transaction.atomic():
        membership.places.set(places)
        journal_record(
            actor=actor,
            action="accounts.informer_places_set",
            target=membership,
            details={"places": sorted(place.pk for place in places)},
        )
    return membership


def _coordinators_lock(*, epci_ids) -> None:
    """The coordinators of these EPCIs, locked in one order: two people removing
    coordinators at the same moment cannot both leave an EPCI without one."""
    list(
        RoleMembership.objects.active()
        .filter(epci_id__in=epci_ids, role=Role.COORDINATOR)
        .select_for_update()
        .order_by("pk")
    )


def _last_coordinator_check(
    *, user, refusal: str, afterwards: str, epci_ids=None
) -> None:
    """An EPCI always keeps one active coordinator: who else would give roles? The
    EPCIs (all, or among `epci_ids`) that only this person coordinates."""
    coordinators = RoleMembership.objects.active().filter(role=Role.COORDINATOR)
    theirs = coordinators.filter(user_id=user.pk).exclude(
        epci_id__in=coordinators.exclude(user_id=user.pk).values("epci_id")
    )
    if epci_ids is not None:
        theirs = theirs.filter(epci_id__in=epci_ids)
    names = list(theirs.order_by("epci__name").values_list("epci__name", flat=True))
    if names:
        territory = "ce territoire" if len(names) == 1 else "ces territoires"
        raise AccountsError(
            f"{user.email} est la seule personne qui coordonne {', '.join(names)} : "
            f"{refusal}. Invite d'abord une autre personne à coordonner {territory} ; "
            f"quand elle aura accepté, {afterwards}."
        )


def role_revoke_check(*, membership: RoleMembership) -> None:
    """The confirmation page asks it too, to say so before anyone clicks."""
    if membership.role == Role.COORDINATOR:
        _last_coordinator_check(
            user=membership.user,
            epci_ids=[membership.epci_id],
            refusal="ce rôle ne peut pas être retiré",
            afterwards="tu pourras retirer ce rôle",
        )


def account_delete_check(*, user) -> None:
    """Whoever asks (the person, a superuser), as for revoking the role; the
    deletion page asks it too."""
    _last_coordinator_check(
        user=user,
        refusal="ce compte ne peut pas être supprimé",
        afterwards="le compte pourra être supprimé",
    )


def role_revoke(*, actor, membership: RoleMembership) -> RoleMembership:
    if not user_can(actor, Action.ROLE_REVOKE, membership):
        raise AccountsError("Tu ne peux pas retirer ce rôle.")
    with transaction.atomic():
        _coordinators_lock(epci_ids=[membership.epci_id])
        locked = (
            RoleMembership.objects.select_for_update(of=("self",))
            .select_related("user", "epci")
            .get(pk=membership.pk)
        )
        if locked.revoked_at is not None:
            raise AccountsError("Ce rôle a déjà été retiré.")
        role_revoke_check(membership=locked)
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


class DeletionReason(StrEnum):
    OWN_REQUEST = "own_request"  # the person, from "Mes données"
    STAFF = "staff"  # a superuser, from Django's admin or the CMS
    INACTIVITY = "inactivity"  # the purge of unused accounts


def _admin_history_forget(collector: Collector) -> None:
    """Django's admin and Wagtail log each change with the object's name (an
    account's is its e-mail address): the lines about rows being deleted go too."""
    about = defaultdict(set)
    for model, rows in collector.data.items():
        about[model].update(str(row.pk) for row in rows)
    for rows in collector.fast_deletes:
        about[rows.model].update(str(pk) for pk in rows.values_list("pk", flat=True))
    models = [model for model in about if not model._meta.auto_created]
    types = ContentType.objects.get_for_models(*models)
    condition = Q(pk__in=[])
    for model in models:
        condition |= Q(content_type=types[model], object_id__in=about[model])
    for log in (LogEntry, ModelLogEntry):
        log.objects.filter(condition).delete()


def account_delete(*, user, actor, reason: DeletionReason) -> None:
    """Delete an account and everything hanging from it (profile, e-mail addresses,
    quiz, planning, reminders, sessions…), in one transaction. The journal, append
    only, keeps the account's number and nothing else about the person."""
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        raise AccountsError("Tu ne peux pas supprimer le compte de quelqu'un d'autre.")
    if reason == DeletionReason.OWN_REQUEST and user.is_superuser:
        raise AccountsError(
            "Un compte d'administration ne se supprime pas lui-même : demande à une "
            "autre personne de l'administration de le faire."
        )
    with transaction.atomic():
        account = User.objects.select_for_update().filter(pk=user.pk).first()
        if account is None:
            raise AccountsError("Ce compte n'existe plus.")
        _coordinators_lock(
            epci_ids=RoleMembership.objects.active()
            .filter(user_id=account.pk, role=Role.COORDINATOR)
            .values("epci_id")
        )
        account_delete_check(user=account)
        journal_record(
            actor=actor,
            action="accounts.account_deleted",
            target=account,
            details={"reason": str(reason)},
        )
        # Invitations sent to this person's addresses hang from the person, not
        # from a foreign key.
        personal_data.invitations_to(account).delete()
        collector = Collector(using=router.db_for_write(User), origin=account)
        collector.collect([account])
        _admin_history_forget(collector)
        collector.delete()


@dataclass
class PurgeReport:
    warned: int = 0
    deleted: int = 0
    failed: int = 0


def _purgeable_accounts() -> QuerySet[User]:
    """Accounts the inactivity purge may delete: not staff, no active role (those
    are closed by a person who knows why)."""
    return (
        User.objects.filter(is_staff=False, is_superuser=False)
        .exclude(pk__in=RoleMembership.objects.active().values("user_id"))
        .annotate(last_seen=Coalesce("last_login", "date_joined"))
    )


def _in_batches(ids: list[int], size: int):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _inactivity_warning_send(account: User, *, deletion_on: date) -> None:
    context = {
        "last_seen": date_text(timezone.localdate(account.last_seen)),
        "deletion_on": date_text(deletion_on),
        "login_url": settings.SITE_URL + reverse("account_login"),
        "my_data_url": settings.SITE_URL + reverse("accounts:my-data"),
        "SITE_URL": settings.SITE_URL,
    }
    subject = render_to_string("accounts/email/inactivity_warning_subject.txt", context)
    EmailMessage(
        subject=" ".join(subject.split()),
        body=render_to_string("accounts/email/inactivity_warning_message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[account.email],
    ).send()


def _each_account(ids: list[int], rows: QuerySet[User], action, *, batch_size: int):
    """Run `action(account)` on each account still matching `rows`, locked: a batch
    per transaction, a savepoint per account, so that one failure is logged and
    the others go on. Returns (done, failed)."""
    done = failed = 0
    for batch in _in_batches(ids, batch_size):
        with transaction.atomic():
            for pk in batch:
                try:
                    with transaction.atomic():
                        account = (
                            rows.select_for_update(skip_locked=True, of=("self",))
                            .filter(pk=pk)
                            .first()
                        )
                        if account is None:  # logged in since, or being handled
                            continue
                        action(account)
                    done += 1
                except Exception:
                    logger.exception("Compte %s : purge d'inactivité en échec", pk)
                    failed += 1
    return done, failed


def inactive_accounts_purge(
    *, now: datetime | None = None, batch_size: int = 100
) -> PurgeReport:
    """Accounts nobody has logged into for INACTIVE_ACCOUNT_DELETE_AFTER_DAYS are
    deleted; INACTIVE_ACCOUNT_NOTICE_DAYS before, their owner gets one e-mail saying
    so, with the link to log in and keep the account. Running it again changes
    nothing: the warning is recorded, and a deletion needs a warning sent long
    enough before, since the last login."""
    now = now or timezone.now()
    keep = timedelta(days=settings.INACTIVE_ACCOUNT_DELETE_AFTER_DAYS)
    notice = timedelta(days=settings.INACTIVE_ACCOUNT_NOTICE_DAYS)
    accounts = _purgeable_accounts()
    to_delete = accounts.filter(
        last_seen__lte=now - keep,
        inactivity_warning__sent_at__gte=F("last_seen"),
        inactivity_warning__sent_at__lte=now - notice,
    )
    to_warn = accounts.filter(last_seen__lte=now - keep + notice).filter(
        Q(inactivity_warning__isnull=True)
        | Q(inactivity_warning__sent_at__lt=F("last_seen"))
    )
    report = PurgeReport()

    def delete(account: User) -> None:
        account_delete(user=account, actor=None, reason=DeletionReason.INACTIVITY)

    def warn(account: User) -> None:
        InactivityWarning.objects.update_or_create(
            user=account, defaults={"sent_at": now}
        )
        # Sent inside the savepoint: if it fails, no warning is recorded and the
        # next run tries again.
        deletion_on = max(account.last_seen + keep, now + notice)
        _inactivity_warning_send(account, deletion_on=timezone.localdate(deletion_on))

    deleted_ids = list(to_delete.order_by("pk").values_list("pk", flat=True))
    report.deleted, failed = _each_account(
        deleted_ids, to_delete, delete, batch_size=batch_size
    )
    report.failed += failed
    warned_ids = list(to_warn.order_by("pk").values_list("pk", flat=True))
    report.warned, failed = _each_account(
        warned_ids, to_warn, warn, batch_size=batch_size
    )
    report.failed += failed
    logger.info(
        "Purge des comptes inactifs : %d averti(s), %d supprimé(s), %d en échec",
        report.warned,
        report.deleted,
        report.failed,
    )
    return report
