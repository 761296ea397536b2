"""Second step of the served questions' snapshot (its own migration, so that the
rows written by the first step have no pending constraint checks when the table is
altered)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_served_question_snapshot"),
    ]

    operations = [
        migrations.RemoveField(model_name="servedquestion", name="choice_ids"),
        migrations.AlterField(
            model_name="servedquestion",
            name="competency",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="curriculum.competency",
            ),
        ),
        migrations.AlterField(
            model_name="servedquestion",
            name="question",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="assessments.question",
            ),
        ),
    ]
