from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from booking.signals import request_transitioned

        from .jobs import register_job_kinds
        from .receivers import on_request_transitioned

        register_job_kinds()
        request_transitioned.connect(on_request_transitioned, dispatch_uid="surveys.review_from_request")
