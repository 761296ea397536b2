from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from core.views import dev_outbox, dev_outbox_message, healthz

# Everyone signs in through the site's login (allauth: verified e-mail, rate limits,
# login by code), the CMS and Django's admin included.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Embedded mode, to this machine only (404 otherwise): the e-mails in var/mail.
    path("dev/courriels/", dev_outbox, name="dev-outbox"),
    path("dev/courriels/<str:key>/", dev_outbox_message, name="dev-outbox-message"),
    path(
        "cms/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("django-admin/", admin.site.urls),
    path("compte/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("assessments.urls")),
    path("", include("reminders.urls")),
    path("", include("directory.urls")),
    path("", include("certificates.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

# French pages in the site's layout; JSON under /api/ (core.views).
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
