"""The project package: settings, URLs, the Celery app and the project-wide middleware."""

from .celery import app as celery_app

__all__ = ("celery_app",)
