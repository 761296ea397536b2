"""Load the demo curriculum (competencies, framework, procedures, the seven modules
and their questions) from the TOML files in curriculum/content/demo. Existing rows
and pages are left as editors made them."""

import json
import tomllib
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from assessments.models import Choice, Question
from curriculum.models import Competency, Framework, ModulePage, Procedure
from curriculum.services import module_index_ensure

CONTENT_DIR = Path(__file__).resolve().parent.parent / "curriculum/content/demo"
FRAMEWORK_VERSION = 1


def _read(path: Path) -> dict:
    with path.open("rb") as file:
        return tomllib.load(file)


def _grain_block(grain: dict, procedures: dict[str, Procedure]) -> dict:
    kind = grain["type"]
    if kind == "text":
        value = {"title": grain.get("title", ""), "text": grain["html"]}
    elif kind == "steps":
        value = {"title": grain["title"], "steps": grain["steps"]}
    elif kind == "no_panic":
        value = {"title": grain["title"], "text": grain["text"]}
    elif kind == "procedure":
        value = {"procedure": procedures[grain["procedure"]].pk}
    elif kind == "glossary":
        value = {"term": grain["term"], "definition": grain["definition"]}
    elif kind == "find_help":
        value = {"title": grain["title"], "text": grain["text"]}
    else:
        raise ValueError(f"Type de grain inconnu : {kind}")
    return {"type": kind, "value": value}


def _load_competencies() -> dict[str, Competency]:
    competencies = {}
    for item in _read(CONTENT_DIR / "competencies.toml")["competency"]:
        competencies[item["code"]], _ = Competency.objects.get_or_create(
            code=item["code"],
            defaults={
                "label": item["label"],
                "description": item["description"],
                "requires_in_person": item["in_person"],
                "what_to_observe": item.get("observe", ""),
            },
        )
    return competencies


def _load_procedures() -> dict[str, Procedure]:
    procedures = {}
    for item in _read(CONTENT_DIR / "procedures.toml")["procedure"]:
        procedures[item["code"]], _ = Procedure.objects.get_or_create(
            code=item["code"],
            defaults={
                "title": item["title"],
                "institution": item["institution"],
                "online_service_url": item["online_service_url"],
                "form_reference": item["form"],
                "where_to_get_help": item["where_to_get_help"],
                "if_it_goes_wrong": item["if_it_goes_wrong"],
                "msa_where_to_get_help": item.get("msa", ""),
                "source_url": item["source"],
                "checked_on": item["checked"],
            },
        )
    return procedures


def _load_questions(module: dict, competencies: dict[str, Competency]) -> None:
    for item in module.get("question", []):
        competency = competencies[item["competency"]]
        if Question.objects.filter(
            competency=competency, prompt=item["prompt"]
        ).exists():
            continue
        question = Question(
            competency=competency,
            kind=item["kind"],
            prompt=item["prompt"],
            explanation=item["explanation"],
            source_url=item["source"],
            checked_on=item["checked"],
        )
        question.choices = [
            Choice(
                text=choice["text"],
                is_correct=choice["correct"],
                feedback=choice.get("feedback", ""),
                sort_order=position,
            )
            for position, choice in enumerate(item["choice"])
        ]
        question.save()


@transaction.atomic
def curriculum_load(*, home, now: datetime) -> Framework:
    competencies = _load_competencies()
    procedures = _load_procedures()
    framework = Framework.objects.filter(version=FRAMEWORK_VERSION).first()
    if framework is None:
        framework = Framework(version=FRAMEWORK_VERSION, published_at=now)
        framework.competencies = list(competencies.values())
        framework.save()

    index = module_index_ensure(home=home)
    existing = set(ModulePage.objects.values_list("slug", flat=True))
    for path in sorted((CONTENT_DIR / "modules").glob("*.toml")):
        module = _read(path)
        if module["slug"] not in existing:
            page = ModulePage(
                title=module["title"],
                slug=slugify(module["slug"]),
                intro=module["intro"],
                duration_minutes=module["duration_minutes"],
                easy_read=module["easy_read"],
                body=json.dumps(
                    [_grain_block(grain, procedures) for grain in module["grain"]]
                ),
            )
            page.competencies = [competencies[code] for code in module["competencies"]]
            index.add_child(instance=page)
        _load_questions(module, competencies)
    return framework
