"""The account's own pages in the admin: its security (second factor, recovery codes, password) and the page that
asks a password-only session for its second factor."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import two_factor


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


def _page(site, request, template: str, context: dict, *, status: int = 200) -> TemplateResponse:
    request.current_app = site.name
    response = TemplateResponse(
        request, f"admin/users/account/{template}", {**site.each_context(request), **context}, status=status
    )
    response.headers["Cache-Control"] = "no-store"  # keys and recovery codes are shown here, once
    return response


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def _codes_page(site, request, codes: list[str], *, next_url: str = "") -> TemplateResponse:
    return _page(
        site,
        request,
        "recovery_codes.html",
        {"title": _("Your recovery codes"), "codes": codes, "next_url": next_url or reverse("admin:account_security")},
    )


def security_view(site, request):
    user = request.user
    context = {
        "title": _("Sign-in security"),
        "enabled": two_factor.two_factor_enabled(user),
        "required": two_factor.two_factor_required(user),
        "codes_left": two_factor.recovery_codes_left(user),
    }
    return _page(site, request, "security.html", context)


def enrol_view(site, request):
    user = request.user
    if two_factor.second_factor_pending(request) == "verify":
        # A session that has not given its second factor cannot replace it.
        return HttpResponseRedirect(reverse("admin:two_factor_verify"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.authenticator_enrolment_confirm(
                request=request, user=user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form.add_error("code" if hasattr(error, "error_dict") else None, error.messages)
        else:
            return _codes_page(site, request, codes, next_url=_safe_next(request))
    # A new key for a fresh page; after a wrong code, the same key (the app already holds it).
    device = two_factor.authenticator_pending(user) if request.method == "POST" else None
    device = device or two_factor.authenticator_enrolment_start(user=user)
    context = {
        "title": _("Set up two-factor authentication"),
        "form": form,
        "qr_svg": two_factor.qr_svg(device.config_url),
        "secret": two_factor.readable_secret(device),
        "required": two_factor.two_factor_required(user),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return _page(site, request, "enrol.html", context, status=400 if form.errors else 200)


def verify_view(site, request):
    user = request.user
    if two_factor.second_factor_pending(request) != "verify":
        return HttpResponseRedirect(_safe_next(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if two_factor.second_factor_throttled(user):
            form.add_error(None, _("Too many wrong codes in a row: wait a moment, then try again."))
            status = 429
        elif two_factor.second_factor_verify(request=request, code=form.cleaned_data["code"]):
            return HttpResponseRedirect(_safe_next(request))
        else:
            form.add_error("code", _("That code does not match."))
            status = 400
    context = {
        "title": _("Two-factor authentication"),
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return _page(site, request, "verify.html", context, status=status)


def recovery_codes_view(site, request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        codes = two_factor.recovery_codes_create(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("admin:account_security"))
    return _codes_page(site, request, codes)


def disable_view(site, request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        two_factor.two_factor_disable(actor=request.user, user=request.user)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return HttpResponseRedirect(reverse("admin:account_security"))


admin.site.add_page("account/security/", security_view, "account_security")
admin.site.add_page("account/two-factor/set-up/", enrol_view, "two_factor_enrol")
admin.site.add_page("account/two-factor/", verify_view, "two_factor_verify")
admin.site.add_page("account/recovery-codes/", recovery_codes_view, "recovery_codes_create")
admin.site.add_page("account/two-factor/turn-off/", disable_view, "two_factor_disable")
