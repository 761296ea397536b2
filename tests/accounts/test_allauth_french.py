"""allauth's pages and e-mails speak to the learner with "tu", like the rest of
the site (accounts/locale overrides allauth's and Django's "vous")."""

import ast
import gettext
import re
from pathlib import Path

import allauth
import django
import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parents[2] / "accounts/locale/fr/LC_MESSAGES"
UPSTREAM = [
    Path(allauth.__file__).parent / "locale/fr/LC_MESSAGES/django.po",
    Path(django.__file__).parent / "contrib/auth/locale/fr/LC_MESSAGES/django.po",
]
VOUS = re.compile(
    r"\b(vous|votre|vos|veuillez|êtes|envoyez|indiquez|saisissez)\b", re.I
)
PASSWORD = "Mot-de-passe-solide-42"


def _po_entries(path: Path) -> dict[str, list[str]]:
    """msgid → its msgstr (one per plural form), from a .po file."""
    entries, key, current = {}, None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        keyword = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
        if keyword:
            name, current = keyword[1], [ast.literal_eval(keyword[2])]
            if name == "msgid":
                key = current
            elif name.startswith("msgstr"):
                entries.setdefault("".join(key), []).append(current)
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
    return {k: ["".join(s) for s in v] for k, v in entries.items() if k}


def _main_text(response) -> str:
    main = re.search(r"(?s)<main.*</main>", page_text(response))[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_the_compiled_catalog_matches_its_source_and_upstream_msgids():
    ours = _po_entries(LOCALE / "django.po")
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    upstream = {}
    for path in UPSTREAM:
        upstream.update(_po_entries(path))
    assert len(ours) > 40
    for msgid, msgstrs in ours.items():
        # An allauth or Django upgrade that rewords a string must not bring back
        # its "vous" silently.
        assert msgid in upstream, msgid
        assert compiled.gettext(msgid) == msgstrs[0], "recompile the .mo (msgfmt)"
        assert not VOUS.search(" ".join(msgstrs)), msgstrs


@pytest.mark.parametrize(
    "url",
    [
        "/compte/login/",
        "/compte/signup/",
        "/compte/login/code/",
        "/compte/password/reset/",
        "/compte/password/reset/done/",
        "/compte/password/reset/key/1-mauvais/",
        "/compte/password/reset/key/done/",
        "/compte/confirm-email/",
        "/compte/confirm-email/mauvaise-cle/",
    ],
)
def test_the_pages_before_login_say_tu(client, site, url):
    response = client.get(url)
    assert response.status_code == 200
    assert not VOUS.findall(_main_text(response))


@pytest.mark.parametrize(
    "url",
    [
        "/compte/email/",
        "/compte/password/change/",
        "/compte/reauthenticate/",
        "/compte/logout/",
    ],
)
def test_the_pages_of_a_signed_in_learner_say_tu(client, site, url):
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 200
    assert not VOUS.findall(_main_text(response))


def test_the_confirmation_page_names_the_address_once(client, site):
    client.post(
        reverse("account_signup"),
        {"email": "lina@exemple.fr", "password1": PASSWORD, "password2": PASSWORD},
    )
    link = re.search(r"/compte/confirm-email/\S+/", mail.outbox[0].body)[0]
    text = _main_text(client.get(link))
    assert "Confirme que lina@exemple.fr est bien ton adresse e-mail." in text
    assert "l'adresse e-mail de" not in text  # was "X est l'adresse e-mail de X"


def test_changing_the_password_in_french(client, site):
    user = UserFactory()
    client.force_login(user)
    url = reverse("account_change_password")
    response = client.post(
        url,
        {"oldpassword": "pas-le-bon", "password1": "1234", "password2": "1234"},
    )
    text = _main_text(response)
    assert "Écris ton mot de passe actuel." in text
    assert "Ce mot de passe est entièrement numérique." in text
    new = "Un-autre-mot-de-passe-2027"
    response = client.post(
        url, {"oldpassword": PASSWORD, "password1": new, "password2": new + "!"}
    )
    assert "Écris deux fois le même mot de passe." in _main_text(response)
    response = client.post(
        url, {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_the_password_rules_say_tu(client, site):
    text = _main_text(client.get("/compte/signup/"))
    assert "Ton mot de passe doit contenir au moins 8 caractères." in text
