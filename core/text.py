from .errors import RefusedWithProblems


def utf8_text(data: bytes, refused: type[RefusedWithProblems]) -> str:
    """A file's text (a byte order mark is allowed); `refused` says where it is not
    UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise refused(
            "Le fichier n'est pas encodé en UTF-8.",
            [f"ligne {line} : caractère illisible (enregistrez le fichier en UTF-8)."],
        ) from error
