import hashlib
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """An account, identified by its e-mail address (no username)."""

    username = None
    email = models.EmailField("adresse e-mail", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur·rice"
        verbose_name_plural = "utilisateur·rices"
        ordering = ["email"]

    def __str__(self):
        return self.email

    @property
    def is_onboarded(self) -> bool:
        return hasattr(self, "learner_profile")


class LearnerProfile(models.Model):
    """The little we keep about a learner: first name is on User, the rest here."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="learner_profile",
    )
    birth_date = models.DateField("date de naissance")
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune de résidence",
        on_delete=models.PROTECT,
        related_name="learners",
    )
    family_msa = models.BooleanField(
        "famille affiliée à la MSA",
        null=True,
        blank=True,
        help_text="Réponse facultative ; vide : ne sait pas ou n'a pas répondu.",
    )
    onboarded_at = models.DateTimeField("profil complété le", default=timezone.now)

    class Meta:
        verbose_name = "profil de jeune"
        verbose_name_plural = "profils de jeunes"

    def __str__(self):
        return f"Profil de {self.user}"


class TermsVersion(models.Model):
    """A published version of the terms of use and privacy notice."""

    version = models.CharField("version", max_length=20, unique=True)
    summary = models.TextField(
        "résumé", help_text="Ce que la personne accepte, en mots simples."
    )
    effective_from = models.DateTimeField(
        "en vigueur à partir du", default=timezone.now
    )

    class Meta:
        verbose_name = "version des conditions d'utilisation"
        verbose_name_plural = "versions des conditions d'utilisation"
        ordering = ["-effective_from"]

    def __str__(self):
        return f"Conditions d'utilisation v{self.version}"


class TermsAcceptance(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="terms_acceptances",
    )
    terms = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "acceptation des conditions"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "terms"], name="terms_accepted_once"
            )
        ]

    def __str__(self):
        return f"{self.user} a accepté v{self.terms.version}"


class Role(models.TextChoices):
    INFORMER = "informer", "Informateur·rice"
    SCHOOL_STAFF = "school_staff", "Personnel d'établissement"
    COORDINATOR = "coordinator", "Coordinateur·rice de territoire"


# The CMS group of the people who write the modules, questions and deadline rules
# (not a territorial role: it holds no EPCI). `setup_site` gives it its rights.
EDITORS_GROUP = "Éditeurs"


class RoleMembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class RoleMembership(models.Model):
    """A staff role held by a user within an EPCI. Revoked, never deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    epci = models.ForeignKey(
        "territories.EPCI",
        verbose_name="EPCI",
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # An informer's workplaces: help places of the membership's EPCI, chosen by its
    # coordinators. Validations and the visit register happen there.
    places = models.ManyToManyField(
        "directory.HelpPlace",
        verbose_name="lieux d'accueil",
        blank=True,
        related_name="informer_memberships",
    )

    objects = RoleMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "rôle"
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "epci"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_role_per_scope",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} ({self.epci})"


def invitation_token_hash(token: str) -> str:
    """What the database keeps of an invitation token (the token itself is only in
    the e-mail). The token is 32 random bytes, so a plain SHA-256 is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


class RoleInvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor cancelled (possibly expired)."""
        return self.filter(accepted_at__isnull=True, cancelled_at__isnull=True)

    def valid(self, now: datetime):
        """Open and not expired: the ones whose link still works."""
        return self.open().filter(expires_at__gt=now)


class RoleInvitation(models.Model):
    """A staff role offered to an e-mail address; it becomes a RoleMembership when
    the owner of that (verified) address accepts it with a staff account."""

    email = models.EmailField("adresse e-mail invitée")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    epci = models.ForeignKey(
        "territories.EPCI",
        verbose_name="EPCI",
        on_delete=models.PROTECT,
        related_name="role_invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="invité·e par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    sent_at = models.DateTimeField("envoyée le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    membership = models.ForeignKey(
        RoleMembership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RoleInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation à un rôle"
        verbose_name_plural = "invitations à un rôle"
        ordering = ["-sent_at"]
        constraints = [
            # One open invitation per address, role and EPCI: inviting again
            # re-sends that one (at most once an hour), it never piles up e-mails.
            models.UniqueConstraint(
                fields=["email", "role", "epci"],
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="one_open_invitation_per_scope",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="invitation_accepted_or_cancelled_not_both",
            ),
        ]

    def __str__(self):
        return f"Invitation de {self.email} — {self.get_role_display()} ({self.epci})"


class InactivityWarning(models.Model):
    """The e-mail saying an unused account will be deleted: sent once per period
    without login (a login after `sent_at` makes it stale)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inactivity_warning",
    )
    sent_at = models.DateTimeField("envoyé le")

    class Meta:
        verbose_name = "avertissement d'inactivité"

    def __str__(self):
        return f"Avertissement d'inactivité du compte {self.user_id}"


class UserSession(AbstractBaseSession):
    """Django's database session, plus the account it belongs to: deleting an
    account deletes its sessions with it (see `accounts.sessions`)."""

    # No database constraint: a request still running when its account is deleted
    # must not fail when it saves its session.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = "session"

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
