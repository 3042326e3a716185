"""Picks the page language: the signed-in user's preference, else the language cookie, else the browser."""

from django.utils import translation


class PreferredLanguageMiddleware:
    """Activates the user's preferred language; LocaleMiddleware already handled cookie and browser."""

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
