"""Celery app: used only when REDIS_URL is set; the embedded mode runs jobs with `manage.py run_jobs`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("skysurvey")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
