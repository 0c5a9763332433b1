from django.apps import AppConfig


class ViewerConfig(AppConfig):
    name = "viewer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .jobs import register_job_kinds

        register_job_kinds()
