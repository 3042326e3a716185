"""Celery tasks of the accounts: thin wrappers that load what they need and call a service."""

from __future__ import annotations

import logging

from celery import shared_task

from .models import User
from .services import password_reset_email_send

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def password_reset_email_task(user_id: int) -> None:
    """Send a password-reset link (a slow or failing mail server delays it here, never in the request)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        password_reset_email_send(user=user)
        logger.info("Password-reset link sent to account %s.", user.pk)
