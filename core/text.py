def quantity(number: int, one: str, many: str) -> str:
    """« 0 lieu créé », « 1 lieu créé », « 2 lieux créés »: 0 is singular in French."""
    return f"{number} {one if number < 2 else many}"
