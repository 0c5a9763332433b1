from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Roles"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the lock-out audit entry)
