"""Load the deadline rules of reminders/content/deadline_rules.toml (the facts of
the 16-18 procedures, with this school year's and next year's dates)."""

import tomllib
from pathlib import Path

from django.db import transaction

from curriculum.models import ModulePage, Procedure
from reminders.models import DeadlineRule, DeadlineWindow

RULES_FILE = (
    Path(__file__).resolve().parent.parent / "reminders/content/deadline_rules.toml"
)


def _offset(prefix: str, values: dict) -> dict:
    fields = {
        f"{prefix}_{unit}": values.get(unit, 0) for unit in ("years", "months", "days")
    }
    if prefix == "closes":
        fields["closes_end_of_month"] = values.get("end_of_month", False)
    return fields


@transaction.atomic
def deadline_rules_load() -> int:
    with RULES_FILE.open("rb") as file:
        rules = tomllib.load(file)["rule"]
    modules = {page.slug: page for page in ModulePage.objects.all()}
    procedures = {p.code: p for p in Procedure.objects.all()}
    created = 0
    for item in rules:
        if DeadlineRule.objects.filter(code=item["code"]).exists():
            continue
        rule = DeadlineRule(
            code=item["code"],
            title=item["title"],
            module=modules.get(item["module"]),
            procedure=procedures.get(item["procedure"]),
            body=item["body"],
            official_url=item["official_url"],
            checked_on=item["checked"],
            severity=item["severity"],
            what_to_do=item["what_to_do"],
            remedy=item["remedy"],
            msa_note=item.get("msa", ""),
            min_age=item["min_age"],
            max_age=item["max_age"],
            age_at_income_year_end=item.get("age_at_income_year_end", False),
            catch_up_days=item.get("catch_up_days"),
            catch_up_until_age=item.get("catch_up_until_age"),
            opt_in=item["opt_in"],
            reminder_days=",".join(str(d) for d in item["reminder_days"]),
            remind_on_opening=item["remind_on_opening"],
            timing=item["timing"],
            opens_day=item.get("opens_day"),
            closes_day=item.get("closes_day"),
            event=item.get("event", ""),
            **_offset("opens", item.get("opens", {})),
            **_offset("closes", item.get("closes", {})),
        )
        rule.windows = [
            DeadlineWindow(
                opens_on=w["opens"],
                closes_on=w["closes"],
                dates_estimated=w.get("estimated", False),
            )
            for w in item.get("window", [])
        ]
        rule.save()
        created += 1
    return created
