from territories.selectors import commune_resolve


class CommuneQueryMixin:
    """For a form where one types a commune's name or postcode in a text field, with
    a hidden `commune` field holding the INSEE code chosen among homonyms (the page
    lists `commune_matches` as radio buttons, so it works without JavaScript)."""

    commune_matches: list = []
    # The commune picked among homonyms: the page carries its code along, so that
    # the pick survives another field's error.
    commune_picked = None

    def resolve_commune(self, cleaned: dict, field: str) -> None:
        """Put the Commune typed in `field` in cleaned["commune"], or an error."""
        query = (cleaned.get(field) or "").strip()
        chosen_code = cleaned.get("commune") or ""
        commune, matches = commune_resolve(query=query, chosen_code=chosen_code)
        cleaned["commune"] = commune
        self.commune_matches = []
        self.commune_picked = (
            commune if commune and commune.insee_code == chosen_code else None
        )
        if commune is None and not matches:
            self.add_error(
                field,
                f"Nous ne trouvons pas de commune « {query} ». Vérifie l'orthographe "
                "ou tape son code postal.",
            )
        elif commune is None:
            self.commune_matches = matches
            self.add_error(
                field,
                "Plusieurs communes correspondent : choisis la bonne dans la liste.",
            )
