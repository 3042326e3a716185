"""Development settings: DEBUG on, emails to the console, the development secret key allowed."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
