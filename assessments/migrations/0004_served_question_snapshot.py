"""Each served question keeps a snapshot of what was served, behind random tokens.

Attempts served before this migration get their snapshot from the bank as it is now
(a choice deleted since then is shown as such), and their stored answers are
translated from choice ids to the new tokens."""

import secrets

import django.db.models.deletion
from django.db import migrations, models

DELETED_CHOICE = "(réponse supprimée de la banque)"


def snapshot_served_questions(apps, schema_editor):
    ServedQuestion = apps.get_model("assessments", "ServedQuestion")
    Choice = apps.get_model("assessments", "Choice")
    served = ServedQuestion.objects.select_related("question").order_by("pk")
    for item in served.iterator(chunk_size=500):
        question = item.question
        choices = {
            choice.pk: choice
            for choice in Choice.objects.filter(question=question).order_by(
                "sort_order", "pk"
            )
        }
        right_order = list(choices)
        is_order = question.kind == "order"
        tokens = {}
        options = []
        for choice_id in item.choice_ids:
            token = secrets.token_urlsafe(9)
            tokens[choice_id] = token
            choice = choices.get(choice_id)
            options.append(
                {
                    "token": token,
                    "text": choice.text if choice else DELETED_CHOICE,
                    "feedback": choice.feedback if choice else "",
                    "correct": bool(choice and (choice.is_correct or is_order)),
                    "rank": (
                        right_order.index(choice_id) + 1
                        if is_order and choice
                        else None
                    ),
                }
            )
        item.competency_id = question.competency_id
        item.kind = question.kind
        item.prompt = question.prompt
        item.explanation = question.explanation
        item.options = options
        if item.answer is not None:
            item.answer = [tokens.get(choice_id, "") for choice_id in item.answer]
        item.save()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_attainment_proof_goes_with_account"),
        ("curriculum", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="servedquestion",
            name="competency",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="curriculum.competency",
            ),
        ),
        migrations.AddField(
            model_name="servedquestion",
            name="kind",
            field=models.CharField(
                choices=[
                    ("single", "Choix unique"),
                    ("multiple", "Choix multiples"),
                    ("true_false", "Vrai ou faux"),
                    ("order", "Remettre les étapes dans l'ordre"),
                ],
                default="",
                max_length=12,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="servedquestion",
            name="prompt",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="servedquestion",
            name="explanation",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="servedquestion",
            name="options",
            field=models.JSONField(
                default=list,
                help_text="Réponses dans l'ordre montré : jeton, texte, retour, juste "
                "ou non (et, pour « remettre dans l'ordre », le bon rang).",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(snapshot_served_questions, migrations.RunPython.noop),
    ]
