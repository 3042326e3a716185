"""Settings of the web processes `manage.py benchmark` starts on its scratch database: the production code paths
(DEBUG off, the same middleware, authentication and throttling), plus the benchmark's baseline view and a header
naming how many queries each request ran. Only the benchmark uses them."""

from .base import *  # noqa: F403
from .base import MIDDLEWARE, env

DEBUG = False
ROOT_URLCONF = "coordination.benchmark.urls"
MIDDLEWARE = ["coordination.benchmark.baseline.QueryCountMiddleware", *MIDDLEWARE]
# Four connections asking as fast as they can are not abuse here; the throttle's own work is still done.
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="1000000/min")
