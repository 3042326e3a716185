"""Email backends for tests: a mail server that refuses every message, and one that is slow to accept them."""

import os
import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend


class RefusingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowFileEmailBackend(FileEmailBackend):
    """Takes SLOW_MAIL_SECONDS before accepting each message, then writes it to a file: time to kill a worker."""

    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "2")))
        return super().send_messages(email_messages)
