from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dudao.accounts import services
from dudao.accounts.forms import LoginForm, PasswordChangeForm, TokenForm
from dudao.accounts.middleware import SESSION_KEY
from dudao.core.errors import DomainError
from dudao.core.middleware import client_ip
from dudao.orgs.scoping import assignments_of


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    status = 200
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
                request=request,
            )
        except DomainError as exc:
            error, status = exc.message, exc.status if exc.status != 401 else 200
        else:
            auth_login(request, user)
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = ""
            return redirect(next_url or "core:home")
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": next_url}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, "您已安全退出")
    return redirect("accounts:login")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    new_token = request.session.pop("dudao_new_token", None)
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": user.api_tokens.all(),  # type: ignore[union-attr]
            "token_form": TokenForm(),
            "password_form": PasswordChangeForm(),
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def change_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            services.change_password(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, "密码已修改")
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {"tokens": request.user.api_tokens.all(), "token_form": TokenForm(), "password_form": form},  # type: ignore[union-attr]
        status=400,
    )


@login_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        _, plain = services.create_token(actor=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        # Shown once, on the next page, then forgotten.
        request.session["dudao_new_token"] = plain
        messages.success(request, "令牌已生成，请立即复制保存，离开页面后将无法再次查看")
    return redirect("accounts:profile")


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens, pk=pk)  # type: ignore[union-attr]
    try:
        services.revoke_token(actor=request.user, token=token)  # type: ignore[arg-type]
        messages.success(request, f"令牌“{token.name}”已撤销")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:profile")


@login_required
@require_POST
def switch_acting(request: HttpRequest) -> HttpResponse:
    try:
        chosen = int(request.POST.get("assignment", ""))
    except ValueError:
        chosen = 0
    if chosen not in {a.pk for a in assignments_of(request.user)}:
        messages.error(request, "无法切换到该身份")
    else:
        request.session[SESSION_KEY] = chosen
    return redirect("core:home")
