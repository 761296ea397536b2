from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import learner_required
from curriculum.models import ModulePage

from . import selectors, services
from .errors import AssessmentsError, AttemptAlreadyGraded


@learner_required
@require_POST
def attempt_start(request, module_id: int):
    module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
    try:
        attempt = services.attempt_start(learner=request.user, module=module)
    except AssessmentsError as error:
        messages.error(request, error.message)
        return redirect(module.url + "#quiz")
    return redirect("assessments:attempt-detail", attempt_id=attempt.pk)


def _own_attempt(request, attempt_id):
    attempt = selectors.attempt_get_for_learner(
        learner=request.user, attempt_id=attempt_id
    )
    if attempt is None:
        raise Http404("Ce quiz n'existe pas.")
    return attempt


@learner_required
def attempt_detail(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    if attempt.is_graded:
        return redirect("assessments:attempt-result", attempt_id=attempt.pk)
    error = None
    if request.method == "POST":
        try:
            services.attempt_submit(
                attempt_id=attempt.pk, learner=request.user, data=request.POST
            )
        except AttemptAlreadyGraded as refused:
            messages.info(request, refused.message)
        except AssessmentsError as refused:
            error = refused.message
        if error is None:
            return redirect("assessments:attempt-result", attempt_id=attempt.pk)
    questions = selectors.served_questions_view(
        attempt=attempt, data=request.POST if error else None
    )
    return render(
        request,
        "assessments/attempt_form.html",
        {"attempt": attempt, "questions": questions, "error": error},
        status=400 if error else 200,
    )


@learner_required
def attempt_result(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    if not attempt.is_graded:
        return redirect("assessments:attempt-detail", attempt_id=attempt.pk)
    return render(
        request,
        "assessments/attempt_result.html",
        {"attempt": attempt, **selectors.attempt_result_for(attempt=attempt)},
    )


@learner_required
def learner_dashboard(request):
    progress = selectors.learner_progress(learner=request.user)
    return render(request, "assessments/learner_dashboard.html", {"progress": progress})
