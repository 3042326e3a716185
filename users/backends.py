"""Sign-in rules: the demo password works only where the settings allow it."""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import DEMO_PASSWORD


class TrackerBackend(ModelBackend):
    """Django's model backend, except that the demo password never signs anyone in under production settings, and
    a tool's account never signs in with a password at all (even one a superuser set): it acts by tokens only."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not getattr(user, "is_integration", False)

    def authenticate(self, request, username=None, password=None, **kwargs):
        if settings.REFUSE_DEMO_PASSWORD and password == DEMO_PASSWORD:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutBackend(AxesStandaloneBackend):
    """The lockout check of django-axes, first in line: a locked-out account or address is refused before its
    password is looked at. A sign-in without a request (code on the server: a shell, the test client's `login`)
    comes from no address and is not counted here; every sign-in page passes its request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            request.refused_while_locked_out = True  # not counted as a new failure (`users.signals`)
            raise


class DemoPasswordValidator:
    """Refuses the demo password as anyone's password under production settings."""

    def validate(self, password, user=None):
        if settings.REFUSE_DEMO_PASSWORD and password == DEMO_PASSWORD:
            raise ValidationError(_("The demo password cannot be used here."), code="demo_password")

    def get_help_text(self):
        return _("Your password cannot be the demo password.")
