import json
from datetime import datetime

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from territories.selectors import commune_search

from . import selectors, services
from .adapter import INVITATION_SESSION_KEY
from .errors import AccountsError
from .forms import (
    AccountDeleteForm,
    InformerPlacesForm,
    LearnerProfileForm,
    OnboardingForm,
    RoleInvitationForm,
)
from .models import Role
from .permissions import Action, epci_ids_for


@login_required
def onboarding(request):
    if request.user.is_onboarded:
        return redirect("/")
    # Editors and the team too: no staff account is asked for a learner's profile.
    if selectors.staff_access_get(user=request.user).is_staff_account:
        return _refusal(
            request, "Compléter mon profil", services.STAFF_ACCOUNT_REFUSAL, 403
        )
    terms = selectors.terms_current()
    form = OnboardingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.learner_onboard(
                user=request.user,
                first_name=data["first_name"],
                birth_date=data["birth_date"],
                commune=data["commune"],
                family_msa=data["family_msa"],
                terms=terms,
                terms_accepted=data["accept_terms"],
            )
        except AccountsError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request, f"Bienvenue {request.user.first_name} : ton profil est prêt !"
            )
            return redirect("/")
    return render(request, "accounts/onboarding.html", {"form": form, "terms": terms})


@login_required
def staff_home(request):
    """Each role's home: what it can do today, and its tools."""
    access = selectors.staff_access_get(user=request.user)
    if not access.is_staff_account:
        return redirect(selectors.home_url_for(user=request.user))
    return render(
        request,
        "accounts/staff_home.html",
        {
            "access": access,
            "informs": access.holds(Role.INFORMER),
            "school_staff": access.holds(Role.SCHOOL_STAFF),
        },
    )


def _require_coordinator(user):
    if not user.is_authenticated:
        raise PermissionDenied
    allowed = epci_ids_for(user, Action.ROLE_GRANT)
    if allowed is not None and not allowed:
        raise PermissionDenied


@login_required
def role_list(request):
    _require_coordinator(request.user)
    epcis = selectors.epci_list_for_user(user=request.user, action=Action.ROLE_GRANT)
    form = RoleInvitationForm(request.POST or None, epcis=epcis)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.role_invite(
                actor=request.user,
                email=data["email"],
                role=data["role"],
                epci=epcis.get(pk=data["epci"]),
            )
        except AccountsError as error:
            form.add_error(error.field, error.message)
        else:
            # The same answer whoever uses the address, if anyone.
            messages.success(
                request,
                f"Invitation envoyée à {invitation.email} : le rôle sera actif quand "
                "la personne l'aura acceptée.",
            )
            return redirect("accounts:role-list")
    return render(
        request,
        "accounts/role_list.html",
        {
            "form": form,
            "memberships": selectors.role_membership_list_for_user(user=request.user),
            "invitations": selectors.role_invitation_list_for_user(user=request.user),
            "now": timezone.now(),
        },
    )


def _in_my_territory(request, selector, pk: int, missing: str):
    """An invitation or a role of the EPCIs the coordinator manages, or a 404."""
    _require_coordinator(request.user)
    found = selector(user=request.user, pk=pk)
    if found is None:
        raise Http404(missing)
    return found


def _back_to_roles(request, service, *, done: str, **kwargs):
    """Runs one service for the roles page, then back to it, saying how it went."""
    try:
        service(actor=request.user, **kwargs)
    except AccountsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("accounts:role-list")


@login_required
@require_POST
def role_invitation_cancel(request, pk: int):
    invitation = _in_my_territory(
        request,
        selectors.role_invitation_get_for_user,
        pk,
        "Cette invitation n'existe pas ou n'est pas de ton territoire.",
    )
    return _back_to_roles(
        request,
        services.role_invitation_cancel,
        invitation=invitation,
        done=f"Invitation de {invitation.email} annulée.",
    )


def _refusal_of(rule, **kwargs) -> str:
    """What a service's rule would refuse ("" if nothing): a confirmation page says
    it before anyone clicks."""
    try:
        rule(**kwargs)
    except AccountsError as error:
        return error.message
    return ""


def _refusal(request, title: str, refusal: str, status: int, hint: str = ""):
    return render(
        request,
        "accounts/refusal.html",
        {"title": title, "refusal": refusal, "hint": hint},
        status=status,
    )


def _invitation_refusal(request, refusal: str, status: int):
    hint = (
        f"Tu es connecté·e avec l'adresse {request.user.email}. Si l'invitation a été "
        "envoyée à une autre de tes adresses, déconnecte-toi, puis ouvre à nouveau le "
        "lien de l'e-mail."
        if request.user.is_authenticated
        else ""
    )
    return _refusal(
        request, "Cette invitation ne peut pas être acceptée", refusal, status, hint
    )


@require_GET
def role_invitation_open(request, token: str):
    """The e-mail's link. The token moves into the session and out of the address
    bar (and of Referer headers), as allauth does for password resets."""
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("accounts:role-invitation")


@never_cache
@require_http_methods(["GET", "POST"])
def role_invitation(request):
    """See the invitation, sign in or sign up with the invited address, accept."""
    token = request.session.get(INVITATION_SESSION_KEY, "")
    user = request.user
    invitation = selectors.role_invitation_get_valid(token=token)
    if (
        invitation is not None
        and user.is_authenticated
        and not selectors.user_has_verified_email(user=user, email=invitation.email)
    ):
        invitation = None  # another account's invitation: answered like an unknown one
    if invitation is None:
        return _invitation_refusal(request, services.INVITATION_UNUSABLE, 404)
    if user.is_authenticated and request.method == "POST":
        try:
            membership = services.role_invitation_accept(user=user, token=token)
        except AccountsError as error:
            status = 404 if error.message == services.INVITATION_UNUSABLE else 403
            return _invitation_refusal(request, error.message, status)
        request.session.pop(INVITATION_SESSION_KEY, None)
        messages.success(
            request,
            f"C'est fait : tu es {membership.get_role_display().lower()} pour "
            f"{membership.epci.name}.",
        )
        if membership.role == Role.COORDINATOR:
            return redirect("accounts:role-list")
        return redirect("/")
    if user.is_authenticated and user.is_onboarded:
        return _invitation_refusal(request, services.LEARNER_ACCOUNT_REFUSAL, 403)
    return render(
        request,
        "accounts/role_invitation.html",
        {"invitation": invitation, "next": request.path},
    )


@login_required
@require_http_methods(["GET", "POST"])
def role_revoke(request, pk: int):
    """GET asks for confirmation (a page: no script needed), POST revokes."""
    membership = _in_my_territory(
        request,
        selectors.role_membership_get_for_user,
        pk,
        "Ce rôle n'existe pas ou n'est pas de ton territoire.",
    )
    if request.method == "POST":
        return _back_to_roles(
            request,
            services.role_revoke,
            membership=membership,
            done=f"Rôle retiré à {membership.user.email}.",
        )
    return render(
        request,
        "accounts/role_revoke_confirm.html",
        {
            "membership": membership,
            "refusal": _refusal_of(services.role_revoke_check, membership=membership),
            "own_role": membership.user_id == request.user.pk,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def role_places(request, pk: int):
    """The help places where an informer works, among those of the EPCI."""
    _require_coordinator(request.user)
    membership = selectors.role_membership_get_for_user(user=request.user, pk=pk)
    if membership is None or membership.role != Role.INFORMER:
        raise Http404(
            "Ce rôle d'informateur·rice n'existe pas ou n'est pas de votre territoire."
        )
    form = InformerPlacesForm(
        request.POST or None,
        places=selectors.informer_place_choices(membership=membership),
        initial={"places": list(membership.places.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.role_membership_places_set(
                actor=request.user,
                membership=membership,
                places=list(form.cleaned_data["places"]),
            )
        except AccountsError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request, f"Lieux d'accueil de {membership.user.email} enregistrés."
            )
            return redirect("accounts:role-list")
    return render(
        request,
        "accounts/role_places.html",
        {"membership": membership, "form": form},
        status=400 if form.errors else 200,
    )


def commune_suggestions(request):
    """Suggestions for the commune field (progressive enhancement of a datalist)."""
    communes = commune_search(query=request.GET.get("q", ""), limit=10)
    return render(
        request,
        "accounts/includes/commune_options.html",
        {"communes": communes},
    )


def _profile_form(request) -> LearnerProfileForm | None:
    profile = getattr(request.user, "learner_profile", None)
    if profile is None:
        return None
    return LearnerProfileForm(
        request.POST or None,
        initial={
            "first_name": request.user.first_name,
            "birth_date": profile.birth_date,
            "commune_query": str(profile.commune),
            "family_msa": {True: "oui", False: "non"}.get(profile.family_msa, ""),
        },
    )


@login_required
@never_cache
def account(request):
    """Mon compte: one's profile (a learner's), e-mail address, password, data."""
    form = _profile_form(request)
    if request.method == "POST":
        if form is None:
            # Not a 404: allauth turns those under /compte/ into a redirect.
            raise PermissionDenied("Tu n'as pas de profil de jeune à corriger.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.learner_profile_update(
                    user=request.user,
                    first_name=data["first_name"],
                    birth_date=data["birth_date"],
                    commune=data["commune"],
                    family_msa=data["family_msa"],
                )
            except AccountsError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(
                    request, "C'est corrigé : ton profil et ton planning sont à jour."
                )
                return redirect("accounts:account")
    # Staff accounts (a role, editors, the team) never get a learner profile.
    may_onboard = (
        form is None
        and not selectors.staff_access_get(user=request.user).is_staff_account
    )
    return render(
        request,
        "accounts/account.html",
        {"form": form, "may_onboard": may_onboard},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@never_cache
@require_GET
def my_data(request):
    """See, download or delete what the platform holds about oneself."""
    return render(request, "accounts/my_data.html")


class _LocalTimeEncoder(DjangoJSONEncoder):
    """ISO 8601 dates; times in the site's time zone, with their offset."""

    def default(self, o):
        if isinstance(o, datetime) and timezone.is_aware(o):
            o = timezone.localtime(o)
        return super().default(o)


@login_required
@never_cache
def my_data_download(request):
    document = selectors.personal_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(document, cls=_LocalTimeEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"majorite-prete-mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@never_cache
def my_data_view(request):
    return render(
        request,
        "accounts/my_data_view.html",
        {"sections": selectors.personal_data_sections(user=request.user)},
    )


@login_required
@never_cache
def account_delete(request):
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(
                user=request.user,
                actor=request.user,
                reason=services.DeletionReason.OWN_REQUEST,
            )
        except AccountsError as error:
            form.add_error(None, error.message)
        else:
            logout(request)
            messages.success(
                request,
                "Ton compte et tes données sont supprimés. Merci d'avoir utilisé "
                "Majorité prête, et bonne suite !",
            )
            return redirect("/")
    return render(
        request,
        "accounts/account_delete.html",
        {
            "form": form,
            "refusal": _refusal_of(services.account_delete_check, user=request.user),
        },
        status=400 if form.errors else 200,
    )
