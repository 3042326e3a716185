"""Account pages outside the admin's door: the language switch in the header (it changes the signed-in user's
saved preference) and password reset by email."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coordination.queue import outbox_add

from .models import SecurityEvent
from .services import password_reset_users
from .tasks import password_reset_email_task


@require_POST
@login_required
def language_set(request):
    """Save the chosen language as the user's preference (and in the cookie) and go back to the page."""
    target = request.POST.get("next", "")
    secure = request.is_secure()
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=secure)
    if not safe:
        target = "/admin/"
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Unknown language: %(language)s.") % {"language": language[:20]})
        return HttpResponseRedirect(target)
    user = request.user
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


class AdminFrame:
    """Renders a page of Django's password-reset views inside the admin's frame (header, language switch)."""

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


class ResetForm(PasswordResetForm):
    """Asks for a reset link by email. Whatever was typed, the answer is the same page (nobody learns which
    addresses have accounts); the email is sent by a worker."""

    def save(self, **kwargs):
        email = self.cleaned_data["email"]
        users = password_reset_users(email)
        for user in users:
            outbox_add(password_reset_email_task.name, user.pk)
            SecurityEvent.objects.record(
                kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED, user=user, detail={"sent": True}
            )
        if not users:
            SecurityEvent.objects.record(
                kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED, detail={"sent": False, "email": email[:254]}
            )


class ResetRequestView(AdminFrame, auth_views.PasswordResetView):
    form_class = ResetForm
    template_name = "registration/password_reset_form.html"


class ResetDoneView(AdminFrame, auth_views.PasswordResetDoneView):
    pass


class ResetConfirmView(AdminFrame, auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        SecurityEvent.objects.record(kind=SecurityEvent.Kind.PASSWORD_RESET_DONE, user=user)
        # A new password lifts a lockout of the account (an attacker's wrong guesses no longer keep its owner out).
        AccessAttempt.objects.filter(username=user.get_username()).delete()
        return response


class ResetCompleteView(AdminFrame, auth_views.PasswordResetCompleteView):
    pass
