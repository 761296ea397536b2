"""The CMS and Django's admin sign in through the site's login only, so its checks
(verified e-mail, rate limits) cannot be walked around, and they do not manage
e-mail addresses or passwords themselves."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Mot-de-passe-solide-42"


@pytest.fixture
def editor():
    user = UserFactory(is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.parametrize("url", ["/cms/", "/cms/pages/"])
def test_the_cms_sends_visitors_to_the_site_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/compte/login/?next={url}"


def test_the_cms_login_page_is_the_site_login(client, editor):
    assert client.get("/cms/login/?next=/cms/").url == "/compte/login/?next=/cms/"
    # Its form no longer signs anyone in.
    client.post("/cms/login/", {"username": editor.email, "password": PASSWORD})
    assert client.get("/cms/").status_code == 302


def test_django_admin_login_is_the_site_login(client, editor):
    response = client.get("/django-admin/login/")
    assert response.status_code == 302
    assert response.url.startswith("/compte/login/")
    client.post(
        "/django-admin/login/", {"username": editor.email, "password": PASSWORD}
    )
    assert client.get("/django-admin/").status_code == 302


def test_the_cms_account_page_manages_neither_email_nor_password(client, editor):
    client.force_login(editor)
    page = client.get("/cms/account/").content.decode()
    assert 'name="name_email-first_name"' in page  # the name, still theirs to edit
    assert 'name="name_email-email"' not in page
    assert 'name="password-old_password"' not in page
    client.logout()
    assert client.get("/cms/password_reset/").status_code == 404
