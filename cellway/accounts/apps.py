from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "cellway.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from cellway.accounts import signals
        from cellway.accounts.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="cellway.accounts.sync_roles")
        user_logged_in.connect(signals.on_login, dispatch_uid="cellway.accounts.on_login")
        user_logged_out.connect(signals.on_logout, dispatch_uid="cellway.accounts.on_logout")
        user_login_failed.connect(signals.on_login_failed, dispatch_uid="cellway.accounts.on_login_failed")
