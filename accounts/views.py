from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from territories.selectors import commune_search

from . import selectors, services
from .errors import AccountsError
from .forms import OnboardingForm, RoleGrantForm
from .permissions import Action, epci_ids_for


@login_required
def onboarding(request):
    if request.user.is_onboarded:
        return redirect("/")
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
    form = RoleGrantForm(request.POST or None, epcis=epcis)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        epci = epcis.filter(pk=data["epci"]).first()
        user = selectors.user_get_by_email(email=data["email"])
        if user is None:
            form.add_error(
                "email",
                "Aucun compte n'utilise cette adresse : demande à la personne de créer "
                "son compte d'abord.",
            )
        else:
            try:
                services.role_grant(
                    actor=request.user, user=user, role=data["role"], epci=epci
                )
            except AccountsError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(request, f"Rôle attribué à {user.email}.")
                return redirect("accounts:role-list")
    memberships = selectors.role_membership_list_for_user(user=request.user)
    return render(
        request,
        "accounts/role_list.html",
        {"form": form, "memberships": memberships},
    )


@login_required
@require_POST
def role_revoke(request, pk: int):
    _require_coordinator(request.user)
    membership = selectors.role_membership_get_for_user(user=request.user, pk=pk)
    if membership is None:
        raise Http404("Ce rôle n'existe pas ou n'est pas de ton territoire.")
    try:
        services.role_revoke(actor=request.user, membership=membership)
    except AccountsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Rôle retiré à {membership.user.email}.")
    return redirect("accounts:role-list")


def commune_suggestions(request):
    """Suggestions for the commune field (progressive enhancement of a datalist)."""
    communes = commune_search(query=request.GET.get("q", ""), limit=10)
    return render(
        request,
        "accounts/includes/commune_options.html",
        {"communes": communes},
    )
