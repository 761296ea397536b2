"""Wagtail's initial data speaks English: its groups "Editors" and "Moderators" and
its workflow "Moderators approval" (shown to editors as « Soumettre à Moderators
approval », and in the subject of its e-mails). They get French names; what they
allow is unchanged. `setup_site` then gives the editors their rights."""

from django.db import migrations

GROUPS = {"Editors": "Éditeurs", "Moderators": "Modérateurs"}
WORKFLOWS = {"Moderators approval": "Validation par les modérateurs"}


def _rename(model, names: dict[str, str]) -> None:
    for old, new in names.items():
        if not model.objects.filter(name=new).exists():
            model.objects.filter(name=old).update(name=new)


def to_french(apps, schema_editor):
    _rename(apps.get_model("auth", "Group"), GROUPS)
    _rename(apps.get_model("wagtailcore", "Workflow"), WORKFLOWS)
    _rename(apps.get_model("wagtailcore", "Task"), WORKFLOWS)


def to_english(apps, schema_editor):
    _rename(apps.get_model("auth", "Group"), {v: k for k, v in GROUPS.items()})
    _rename(apps.get_model("wagtailcore", "Workflow"), {v: k for k, v in WORKFLOWS.items()})
    _rename(apps.get_model("wagtailcore", "Task"), {v: k for k, v in WORKFLOWS.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("curriculum", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(to_french, to_english)]
