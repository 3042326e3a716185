"""Sign-ins, sign-outs, failed sign-ins and lockouts go on the security log (a side effect of Django's signals;
nothing here decides anything)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import SecurityEvent, User


@receiver(user_logged_in, dispatch_uid="security_log_login")
def record_login(sender, request, user, **kwargs):
    SecurityEvent.objects.record(kind=SecurityEvent.Kind.LOGIN, user=user)


@receiver(user_logged_out, dispatch_uid="security_log_logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        SecurityEvent.objects.record(kind=SecurityEvent.Kind.LOGOUT, user=user)


def _account(username: str):
    return User.objects.filter(username=username).first() if username else None


@receiver(user_login_failed, dispatch_uid="security_log_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    """A failed sign-in; if it reached the limit (axes' receiver, connected before this one, has counted it), the
    lockout that starts with it. A try while locked out is refused without being counted."""
    username = str((credentials or {}).get("username") or "")[:150]
    account = _account(username)
    while_locked = bool(getattr(request, "refused_while_locked_out", False))
    SecurityEvent.objects.record(
        kind=SecurityEvent.Kind.LOGIN_FAILED,
        user=account,
        username=username,
        detail={"while_locked_out": True} if while_locked else {},
    )
    if not while_locked and getattr(request, "axes_locked_out", False):
        SecurityEvent.objects.record(
            kind=SecurityEvent.Kind.LOCKED_OUT,
            user=account,
            username=username,
            detail={"failures": getattr(request, "axes_failures_since_start", None)},
        )
