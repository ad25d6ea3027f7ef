"""The parents' pages behind `/r/<token>/` (the screening questionnaire for one child) and `/s/<token>/` (the
停课不停学 arrangement of a class): no login, large text; nothing beyond the child's given name and class. Forged and
unknown tokens get the same 404 page, and an address sending many is told to wait."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from dudao.core.errors import DomainError
from dudao.core.middleware import client_ip
from dudao.orgs.models import Student
from dudao.returns import services, tokens
from dudao.returns.forms import AnswerForm
from dudao.returns.models import RoundStatus, ScreeningAnswer, ScreeningRound, Suspension

BAD_TOKENS_PER_MINUTE = 20


def _not_found(request: HttpRequest) -> HttpResponse:
    ip = client_ip(request) or ""
    bucket = f"returns:bad:{ip}:{int(timezone.now().timestamp() // 60)}"
    if not cache.add(bucket, 1, timeout=90):
        try:
            if cache.incr(bucket) > BAD_TOKENS_PER_MINUTE:
                return render(request, "returns/public_gone.html", {"wait": True}, status=429)
        except ValueError:
            pass
    return render(request, "returns/public_gone.html", status=404)


def _given_name(name: str) -> str:
    return name[1:] if len(name) > 1 else name


# No CSRF token: the page has no session or cookie to abuse; the unguessable token in the URL is the only
# credential, and a cross-site form cannot know it.
@csrf_exempt
@never_cache
def public_answer(request: HttpRequest, token: str) -> HttpResponse:
    parsed = tokens.parse_answer(token)
    if parsed is None:
        return _not_found(request)
    round_id, student_id = parsed
    row = ScreeningRound.objects.select_related("unit").filter(pk=round_id).first()
    student = Student.objects.select_related("klass").filter(pk=student_id).first()
    if row is None or student is None or not student.klass.path.startswith(row.unit.path):
        return _not_found(request)
    answer = ScreeningAnswer.objects.filter(round=row, student=student).select_related("round").first()
    error = ""
    if request.method == "POST":
        form = AnswerForm(request.POST, round=row)
        if form.is_valid():
            try:
                services.answer_by_link(round=row, student=student, data=form.answer_in())
            except DomainError as exc:
                error = exc.message
            else:
                return redirect(request.path + "?done=1")
        else:
            error = "请检查填写内容"
    else:
        form = AnswerForm(initial=AnswerForm.initial_of(answer), round=row)
    return render(
        request,
        "returns/public_answer.html",
        {
            "round": row,
            "form": form,
            "child": _given_name(student.name),
            "klass": student.klass.name,
            "answer": answer,
            "done": request.GET.get("done") == "1",
            "error": error,
            "is_open": row.status == RoundStatus.OPEN,
        },
    )


@never_cache
def public_suspension(request: HttpRequest, token: str) -> HttpResponse:
    suspension_id = tokens.parse_suspension(token)
    if suspension_id is None:
        return _not_found(request)
    row = Suspension.objects.select_related("unit").filter(pk=suspension_id).first()
    if row is None:
        return _not_found(request)
    return render(request, "returns/public_suspension.html", {"s": row})
