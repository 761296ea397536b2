from datetime import date

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission

from accounts.models import EDITORS_GROUP, LearnerProfile, Role, RoleMembership, User
from territories.models import EPCI, Commune


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = "Camille"
    password = factory.PostGenerationMethodCall(
        "set_password", "Mot-de-passe-solide-42"
    )

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create:
            user.save()
            EmailAddress.objects.create(
                user=user, email=user.email, verified=True, primary=True
            )


class EditorFactory(UserFactory):
    """A member of the editors group, with the rights `setup_site` gives it (use
    the `site` fixture)."""

    @factory.post_generation
    def editor(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=EDITORS_GROUP))


class EPCIFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EPCI

    siren = factory.Sequence(lambda n: f"{200000000 + n:09d}")
    name = factory.Sequence(lambda n: f"Communauté de communes n°{n}")


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune

    # 28500-28999: no real commune of Eure-et-Loir has these codes, so a test that
    # also imports the Perche's communes (fixture `perche`) never collides with one.
    insee_code = factory.Sequence(lambda n: f"{28500 + n % 500:05d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    departement = "28"
    postcodes = "28400"
    latitude = 48.32
    longitude = 0.82
    epci = factory.SubFactory(EPCIFactory)


class LearnerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerProfile

    user = factory.SubFactory(UserFactory)
    birth_date = date(2009, 5, 1)
    commune = factory.SubFactory(CommuneFactory)


class RoleMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleMembership

    user = factory.SubFactory(UserFactory)
    role = Role.COORDINATOR
    epci = factory.SubFactory(EPCIFactory)


def content_editor(**kwargs) -> User:
    """An editor of content: CMS access through a group, like Wagtail's "Editors"
    (made here, as a database emptied by a live-server test no longer has it)."""
    group, _ = Group.objects.get_or_create(name="Rédaction des contenus")
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    user = UserFactory(**kwargs)
    user.groups.add(group)
    return user
