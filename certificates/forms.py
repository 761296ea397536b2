from django import forms

from .services import REVOCATION_REASON_MAX

# A credential is a few kilobytes; anything much larger is not one.
CREDENTIAL_MAX_BYTES = 200_000


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="Code de vérification",
        error_messages={"required": "Indiquez le code imprimé sur l'attestation."},
        help_text="10 caractères, imprimés sur l'attestation "
        "(par exemple 7KQ3M-XW4TP).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class CredentialCheckForm(forms.Form):
    text = forms.CharField(
        label="Le badge à vérifier (fichier JSON), collé ici",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    upload = forms.FileField(label="… ou choisi sur cet appareil", required=False)
    email = forms.EmailField(
        label="Adresse e-mail de la personne (facultatif)",
        required=False,
        error_messages={
            "invalid": "Cette adresse e-mail n'est pas valide (par exemple "
            "prenom.nom@exemple.fr)."
        },
        help_text="Pour vérifier que le badge est bien le sien : elle n'est ni "
        "envoyée ailleurs ni gardée.",
    )

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload is not None:
            if upload.size > CREDENTIAL_MAX_BYTES:
                raise forms.ValidationError(
                    "Ce fichier est trop gros pour être un badge (200 Ko au plus)."
                )
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as error:
                raise forms.ValidationError(
                    "Ce fichier n'est pas un texte JSON (UTF-8)."
                ) from error
        if not (data.get("text") or "").strip():
            raise forms.ValidationError("Collez le badge ou choisissez son fichier.")
        if len(data["text"]) > CREDENTIAL_MAX_BYTES:
            raise forms.ValidationError(
                "Ce texte est trop long pour être un badge (200 Ko au plus)."
            )
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Raison de la révocation",
        max_length=REVOCATION_REASON_MAX,
        error_messages={
            "required": "Indiquez la raison de la révocation.",
            "max_length": f"La raison tient en {REVOCATION_REASON_MAX} caractères "
            "au plus.",
        },
        help_text="Obligatoire. Gardée au journal et envoyée au ou à la jeune ; "
        "jamais publiée.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class BatchForm(forms.Form):
    epci = forms.TypedChoiceField(label="Territoire", coerce=int)

    def __init__(self, *args, epcis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["epci"].choices = [(epci.pk, epci.name) for epci in epcis]
