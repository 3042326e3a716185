"""Request handling of the accounts: the page language, the second factor, and what goes on the security log."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from .models import SecurityEvent
from .two_factor import second_factor_pending


class PreferredLanguageMiddleware:
    """Picks the page language: the signed-in user's preference, else the language cookie, else the browser.
    Activates the user's preferred language; LocaleMiddleware already handled cookie and browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "preferred_language", "") if user is not None and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            if language:
                translation.deactivate()  # the thread serves the next request (or test) in the default language
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


# Pages a session may open before its second factor is given: the ones that ask for it, sign-in and sign-out.
SECOND_FACTOR_OPEN = frozenset(
    {
        "admin:login",
        "admin:logout",
        "admin:jsi18n",
        "admin:two_factor_verify",
        "admin:two_factor_enrol",
        "language_set",
        "health",
    }
)


class SecondFactorMiddleware:
    """Sends a session signed in with a password alone to the page that asks for its second factor (or, where it is
    required, sets one up) before any other page of the admin opens. The API's session authentication asks the
    same question (`users.authentication`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name in SECOND_FACTOR_OPEN or not match.view_name.startswith("admin:"):
            return None
        pending = second_factor_pending(request)
        if pending is None:
            return None
        target = reverse(f"admin:two_factor_{pending}")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


SPREADSHEET_TYPES = frozenset({"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


class SecurityLogMiddleware:
    """Puts refusals (403) and spreadsheet downloads on the security log, whichever page or endpoint answered: a
    new export or a new refusal is recorded without remembering to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        user = user if user is not None and user.is_authenticated else None
        if response.status_code == 403:
            SecurityEvent.objects.record(
                kind=SecurityEvent.Kind.PERMISSION_REFUSED, user=user, detail={"method": request.method}
            )
        elif response.status_code == 200 and user is not None and self._is_export(response):
            SecurityEvent.objects.record(
                kind=SecurityEvent.Kind.EXPORT,
                user=user,
                detail={"file": response.headers.get("Content-Disposition", "").partition("filename=")[2].strip('"')},
                departments=getattr(response, "exported_departments", ()),
            )
        return response

    @staticmethod
    def _is_export(response) -> bool:
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        return content_type in SPREADSHEET_TYPES and "attachment" in response.headers.get("Content-Disposition", "")
