from django.urls import reverse

from core.errors import AccessRefused

from .backends import ACCESS_ADMIN

CMS_REFUSAL = (
    "L'administration du site est réservée à l'équipe qui rédige les contenus et aux "
    "coordinateur·rices de territoire. Ton compte n'y a pas accès."
)


class CmsAccessMiddleware:
    """A signed-in account without CMS rights gets one refusal (403, the site's
    page). Wagtail would send it to the login page, which sends a signed-in person
    straight back to the CMS: a loop, with one more message each round."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and request.path.startswith(reverse("wagtailadmin_home"))
            and not user.has_perm(ACCESS_ADMIN)
        ):
            raise AccessRefused(CMS_REFUSAL)
        return self.get_response(request)
