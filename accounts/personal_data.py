"""What the platform holds about a person, app by app, and what each app does when a
learner corrects their profile.

`accounts` may not import the apps above it (curriculum, assessments, reminders…),
yet the "Mes données" page must show everything and a corrected birth date must move
the planning. So those apps register here, from their `AppConfig.ready()`:

- an export section (`section_register`): a key, a title, the models whose rows it
  shows, and a function that reads them for one user;
- a callback run after a learner's profile changed (`profile_changed_register`),
  inside the same transaction.

`NOT_EXPORTED` lists, with the reason, every model that holds a row about a person
but is deliberately left out of the export; `tests/accounts/test_personal_data.py`
fails when a model linked to the user is in neither place.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from core.models import JournalEntry

from .models import (
    InactivityWarning,
    LearnerProfile,
    RoleInvitation,
    RoleMembership,
    TermsAcceptance,
)


@dataclass(frozen=True)
class Section:
    key: str  # stable key of the JSON export
    title: str  # heading on the readable page
    intro: str  # one sentence, to the learner: what this is
    models: tuple[str, ...]  # labels ("app_label.modelname") of the rows shown
    read: Callable[[Any], Any]  # user -> data (dict, list, str, dates…)
    order: int  # place on the page and in the file
    # user -> rows of this section that journal entries may name as their target
    # (an entry about one's reminder written by an operator is about oneself).
    journal_targets: Callable[[Any], Iterable] | None = None


_sections: dict[str, Section] = {}
_profile_changed: list[Callable[..., None]] = []


def section_register(section: Section) -> None:
    if section.key in _sections and _sections[section.key] != section:
        raise ImproperlyConfigured(f"Section d'export en double : {section.key}")
    _sections[section.key] = section


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda section: section.order)


def profile_changed_register(callback: Callable[..., None]) -> None:
    """`callback(user=…, today=…)` runs after a learner's profile changed."""
    if callback not in _profile_changed:
        _profile_changed.append(callback)


def profile_changed_notify(*, user, today: date) -> None:
    for callback in _profile_changed:
        callback(user=user, today=today)


# Models linked to a user that the export leaves out, and why. A learner never
# reaches the CMS nor Django's admin: what those tools keep is about staff.
STAFF_TOOL = (
    "outil d'édition du site (CMS), réservé à l'équipe : un·e jeune n'y a pas accès, "
    "il n'y a donc rien à son nom"
)
NOT_EXPORTED: dict[str, str] = {
    "accounts.usersession": "la session de connexion en cours : un identifiant "
    "technique (le cookie), sans rien d'autre à lire ; supprimée à la déconnexion, à "
    "son expiration et avec le compte",
    "account.emailconfirmation": "inutilisée : les adresses sont confirmées par un "
    "lien signé, aucune ligne n'est écrite ; supprimée avec l'adresse",
    "admin.logentry": "ce que ce compte a fait dans l'administration Django "
    "(réservée à l'équipe) ; supprimé avec le compte, comme les lignes qui parlent du "
    "compte (elles contiennent son adresse)",
    "wagtailusers.userprofile": STAFF_TOOL,
    "wagtailadmin.editingsession": STAFF_TOOL,
    "wagtailadmin.formstate": STAFF_TOOL,
    "wagtailcore.apitoken": STAFF_TOOL,
    "wagtailcore.comment": STAFF_TOOL,
    "wagtailcore.commentreply": STAFF_TOOL,
    "wagtailcore.pagesubscription": STAFF_TOOL,
    "wagtailcore.page": STAFF_TOOL,
    "wagtailcore.revision": STAFF_TOOL,
    "wagtailcore.taskstate": STAFF_TOOL,
    "wagtailcore.workflowstate": STAFF_TOOL,
    "wagtailcore.uploadedfile": STAFF_TOOL,
    "wagtailcore.modellogentry": STAFF_TOOL,
    "wagtailcore.pagelogentry": STAFF_TOOL,
    "wagtaildocs.document": STAFF_TOOL,
    "wagtailimages.image": STAFF_TOOL,
    "certificates.issuancebatch": "un lot d'attestations lancé par la "
    "coordination : il ne garde que le compte de l'équipe qui l'a lancé, rien sur "
    "les jeunes",
}

# What the journal's action codes mean, for the readable page.
JOURNAL_ACTIONS = {
    "accounts.learner_onboarded": "profil complété",
    "accounts.learner_profile_updated": "profil corrigé",
    "accounts.learner_record_viewed": "fiche ouverte par l'équipe",
    "accounts.role_granted": "rôle attribué",
    "accounts.role_revoked": "rôle retiré",
    "accounts.role_invitation_sent": "invitation à un rôle envoyée",
    "accounts.role_invitation_resent": "invitation à un rôle renvoyée",
    "accounts.role_invitation_cancelled": "invitation à un rôle annulée",
    "accounts.role_invitation_accepted": "invitation à un rôle acceptée",
    "assessments.attempt_graded": "quiz corrigé",
    "content.fact_checked": "contenu vérifié face à sa source (CMS)",
    "assessments.competency_attained": "compétence acquise",
    "assessments.learner_record_opened": "dossier ouvert avec ton passeport",
    "assessments.competency_validated": "compétence validée en personne",
    "assessments.validation_withdrawn": "validation en personne retirée",
    "reminders.feed_regenerated": "nouvelle adresse d'agenda",
    "reminders.unsubscribed": "rappels arrêtés depuis un e-mail",
    "reminders.delivery_retried": "rappel renvoyé par l'équipe",
    "certificates.certificate_issued": "attestation délivrée",
    "certificates.certificate_revoked": "attestation révoquée par la coordination",
}


def _account(user) -> dict:
    warning = InactivityWarning.objects.filter(user=user).first()
    return {
        "numéro": user.pk,
        "adresse_email": user.email,
        "prénom": user.first_name,
        "nom": user.last_name,
        "mot_de_passe": "enregistré chiffré : personne ne peut le lire"
        if user.has_usable_password()
        else "aucun",
        "inscription_le": user.date_joined,
        "dernière_connexion_le": user.last_login,
        "compte_actif": user.is_active,
        "accès_administration": user.is_staff,
        "groupes": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
        "avertissement_inactivité_envoyé_le": warning.sent_at if warning else None,
    }


def _email_addresses(user) -> list:
    return [
        {"adresse": a.email, "vérifiée": a.verified, "principale": a.primary}
        for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    ]


def _profile(user) -> dict | None:
    profile = LearnerProfile.objects.filter(user=user).select_related("commune").first()
    if profile is None:
        return None
    return {
        "date_de_naissance": profile.birth_date,
        "commune": profile.commune.name,
        "code_insee_de_la_commune": profile.commune.insee_code,
        "famille_affiliée_à_la_msa": {True: "oui", False: "non"}.get(
            profile.family_msa, "pas de réponse"
        ),
        "profil_complété_le": profile.onboarded_at,
    }


def _terms(user) -> list:
    return [
        {"version": a.terms.version, "acceptées_le": a.accepted_at}
        for a in TermsAcceptance.objects.filter(user=user)
        .select_related("terms")
        .order_by("accepted_at")
    ]


def _invitations(user) -> list:
    return [
        {
            "adresse_invitée": invitation.email,
            "rôle": invitation.get_role_display(),
            "territoire": invitation.epci.name,
            "envoyée_le": invitation.sent_at,
            "expire_le": invitation.expires_at,
            "acceptée_le": invitation.accepted_at,
            "annulée_le": invitation.cancelled_at,
        }
        for invitation in invitations_to(user)
        .select_related("epci")
        .order_by("sent_at")
    ]


def _roles(user) -> list:
    return [
        {
            "rôle": m.get_role_display(),
            "territoire": m.epci.name,
            "attribué_le": m.granted_at,
            "retiré_le": m.revoked_at,
            "lieux_d_accueil": [place.nom for place in m.places.all()],
        }
        for m in RoleMembership.objects.filter(user=user)
        .select_related("epci")
        .prefetch_related("places")
        .order_by("granted_at")
    ]


def invitations_to(user):
    """Staff-role invitations sent to one of the person's addresses, or accepted
    with this account: they are about this person."""
    addresses = {user.email, *user.emailaddress_set.values_list("email", flat=True)}
    to_them = Q(accepted_by=user)
    for address in addresses:
        to_them |= Q(email__iexact=address)
    return RoleInvitation.objects.filter(to_them)


def journal_about(user):
    """Journal entries where the person acted or is the one concerned: they are
    the target, or one of their rows is (see Section.journal_targets)."""
    about = Q(actor_id=user.pk) | Q(target_type="accounts.user", target_id=str(user.pk))
    about |= Q(details__learner=user.pk) | Q(details__user=user.pk)
    targets = {}
    for section in sections():
        for row in section.journal_targets(user) if section.journal_targets else ():
            targets.setdefault(row._meta.label_lower, []).append(str(row.pk))
    for label, ids in targets.items():
        about |= Q(target_type=label, target_id__in=ids)
    return JournalEntry.objects.filter(about).order_by("at", "pk")


def _journal(user) -> list:
    return [
        {
            "date": entry.at,
            "action": entry.action,
            "signification": JOURNAL_ACTIONS.get(entry.action, ""),
            "par": "toi"
            if entry.actor_id == user.pk
            else (
                "le site" if entry.actor_id is None else f"compte n°{entry.actor_id}"
            ),
            "objet": f"{entry.target_type} n°{entry.target_id}"
            if entry.target_type
            else "",
            "détails": entry.details,
        }
        for entry in journal_about(user)
    ]


def register() -> None:
    """The accounts' own sections (called from AccountsConfig.ready)."""
    for section in (
        Section(
            key="compte",
            order=10,
            title="Ton compte",
            intro="Ce qui sert à te connecter.",
            models=(
                "accounts.user",
                "accounts.user_groups",
                "accounts.user_user_permissions",
                "accounts.inactivitywarning",
            ),
            read=_account,
        ),
        Section(
            key="adresses_email",
            order=20,
            title="Tes adresses e-mail",
            intro="L'adresse où nous t'écrivons, et si tu l'as confirmée.",
            models=("account.emailaddress",),
            read=_email_addresses,
        ),
        Section(
            key="profil",
            order=30,
            title="Ton profil",
            intro="Pour calculer tes dates et trouver l'aide près de chez toi.",
            models=("accounts.learnerprofile",),
            read=_profile,
            journal_targets=lambda user: LearnerProfile.objects.filter(user=user),
        ),
        Section(
            key="conditions_acceptées",
            order=40,
            title="Les conditions d'utilisation que tu as acceptées",
            intro="Quelle version, et quand.",
            models=("accounts.termsacceptance",),
            read=_terms,
        ),
        Section(
            key="rôles",
            order=50,
            title="Tes rôles de professionnel·le",
            intro="Seulement si tu travailles dans un lieu d'aide ou pour un "
            "territoire.",
            models=("accounts.rolemembership", "accounts.rolemembership_places"),
            read=_roles,
            journal_targets=lambda user: RoleMembership.objects.filter(user=user),
        ),
        Section(
            key="invitations_reçues",
            order=55,
            title="Les invitations à un rôle de professionnel·le",
            intro="Celles envoyées à ton adresse, ou acceptées avec ce compte.",
            models=("accounts.roleinvitation",),
            read=_invitations,
            journal_targets=invitations_to,
        ),
        Section(
            key="journal",
            order=1000,
            title="Le journal",
            intro="Ce qui s'est passé d'important sur ton compte : quoi, quand, par "
            "qui. Il ne contient ni ton adresse, ni ton prénom, ni ta date de "
            "naissance.",
            models=("core.journalentry",),
            read=_journal,
        ),
    ):
        section_register(section)
