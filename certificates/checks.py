"""`manage.py check --deploy`: production cannot sign certificates without a key, and
would otherwise find out at the first certificate."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from .signing import signing_key


@register(Tags.security, deploy=True)
def signing_key_check(app_configs, **kwargs) -> list[Error]:
    if settings.DEBUG:  # embedded mode makes its own key on the first start
        return []
    try:
        signing_key()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="certificates.E001")]
    except OSError as error:
        return [
            Error(
                "Le fichier de la clé de signature des attestations "
                f"(CERTIFICATES_SIGNING_KEY_FILE) est illisible : {error.strerror}.",
                id="certificates.E001",
            )
        ]
    return []
