"""The quiz correction says where each explanation comes from and when it was
checked, as it stood when the question was served."""

from datetime import date

import pytest
from django.urls import reverse

from core.formatting import date_text
from tests.helpers import page_text

from .conftest import answers_for, served_list

pytestmark = pytest.mark.django_db


def test_the_correction_shows_each_source_and_check_date(client, learner, attempt):
    client.force_login(learner)
    detail = reverse("assessments:attempt-detail", args=[attempt.pk])
    data = answers_for(attempt)
    client.post(detail, {key: data.getlist(key) for key in data})
    # An edit of the bank after serving does not change what the result says.
    served = served_list(attempt)
    served[0].question.checked_on = date(2020, 1, 1)
    served[0].question.save()

    text = page_text(
        client.get(reverse("assessments:attempt-result", args=[attempt.pk]))
    )

    assert text.count("Source officielle") == len(served)
    for item in served:
        assert item.source_url and f'href="{item.source_url}"' in text
        assert f"vérifiée le {date_text(item.checked_on)}" in text
    assert "1er janvier 2020" not in text
