"""Email backends for tests: a mail server that refuses every message, one that is slow to accept them, and one
during whose send a test makes other things happen."""

import os
import smtplib
import time

from django.core import mail
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


# What HookEmailBackend runs while "the server accepts" a message (set by a test, emptied after it).
DURING_SEND: list = []


class HookEmailBackend(BaseEmailBackend):
    """Keeps messages in django.core.mail.outbox like the locmem backend, after running the DURING_SEND hooks: what
    other workers do while this one waits for the mail server."""

    def send_messages(self, email_messages):
        for hook in DURING_SEND:
            hook()
        mail.outbox.extend(email_messages)
        return len(email_messages)
