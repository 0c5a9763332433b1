from django.apps import AppConfig


class ProcessingConfig(AppConfig):
    name = "processing"
    default_auto_field = "django.db.models.BigAutoField"
