from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make demo`: last in the dependency order, so it may use every app."""

    name = "demo"
    verbose_name = "Demo data"
