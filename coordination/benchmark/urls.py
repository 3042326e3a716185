"""The application's URLs plus the benchmark's baseline (config/settings/benchmark.py only)."""

from django.urls import path

from config.urls import handler404, handler500
from config.urls import urlpatterns as application
from coordination.benchmark.baseline import BaselineItemList

urlpatterns = [
    path("api/v1/benchmark-baseline/", BaselineItemList.as_view({"get": "list"}), name="benchmark_baseline"),
    *application,
]
__all__ = ["handler404", "handler500", "urlpatterns"]
