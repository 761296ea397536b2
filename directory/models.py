from django.db import models


def _list(verbose_name: str) -> models.JSONField:
    """A multi-valued column of the standard (`|`-separated in the CSV), as a JSON
    list: the same on PostgreSQL and on the embedded SQLite database."""
    return models.JSONField(verbose_name=verbose_name, default=list, blank=True)


class HelpPlace(models.Model):
    """A place where people get help, in the national standard for digital-mediation
    places v1.0.2 (`directory/data/schema.json`).

    Each column of the standard is a field of the same name, except `id` (stored as
    `standard_id`) and `commune` (the name as written in the file, `commune_nom`;
    `commune` is the link to our Commune). `directory.standard` holds the mapping and
    the rules; closed lists are stored as lists of the standard's exact values.
    """

    class CoordinatesSource(models.TextChoices):
        PLACE = "lieu", "coordonnées du lieu"
        COMMUNE = "commune", "mairie de la commune (coordonnées du lieu absentes)"

    # The standard's columns, in its order.
    standard_id = models.CharField(
        "identifiant (standard)", max_length=200, unique=True
    )
    pivot = models.CharField("SIRET ou RNA ou RIDET", max_length=14)
    nom = models.TextField("nom")
    commune_nom = models.TextField("commune (telle qu'écrite dans le fichier)")
    code_postal = models.CharField("code postal", max_length=5)
    code_insee = models.CharField("code INSEE", max_length=5, blank=True)
    adresse = models.TextField("adresse")
    complement_adresse = models.TextField("complément d'adresse", blank=True)
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    typologie = _list("typologie")
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    courriels = _list("courriel(s)")
    site_web = _list("site(s) web")
    horaires = models.TextField(
        "horaires", blank=True, help_text="Syntaxe OpenStreetMap opening_hours."
    )
    presentation_resume = models.CharField(
        "présentation résumée", max_length=280, blank=True
    )
    presentation_detail = models.TextField("présentation détaillée", blank=True)
    source = models.TextField("structure collectant la donnée", blank=True)
    itinerance = _list("itinérance")
    structure_parente = models.TextField("structure parente", blank=True)
    date_maj = models.DateField("date de mise à jour")
    services = _list("services")
    publics_specifiquement_adresses = _list("publics spécifiquement adressés")
    prise_en_charge_specifique = _list("prise en charge spécifique")
    frais_a_charge = _list("frais à charge")
    dispositif_programmes_nationaux = _list("dispositifs et programmes nationaux")
    formations_labels = _list("formations et labels")
    autres_formations_labels = models.TextField(
        "autres formations et labels", blank=True
    )
    modalites_acces = _list("modalités d'accès")
    modalites_accompagnement = _list("modalités d'accompagnement")
    fiche_acces_libre = models.TextField("fiche Accès libre", blank=True)
    prise_rdv = models.TextField("prise de rendez-vous", blank=True)

    # Ours.
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name="commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_places",
    )
    epci = models.ForeignKey(
        "territories.EPCI",
        verbose_name="EPCI gestionnaire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_places",
    )
    coordinates_source = models.CharField(
        "origine des coordonnées",
        max_length=10,
        choices=CoordinatesSource.choices,
        blank=True,
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "lieu d'aide"
        verbose_name_plural = "lieux d'aide"
        ordering = ["nom"]
        # The search's bounding box: a range on latitude, then longitude.
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="help_place_lat_lon")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="help_place_coordinates_valid",
            )
        ]

    def __str__(self):
        return f"{self.nom} ({self.commune_nom})"
