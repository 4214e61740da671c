from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "cellway.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from allauth.account import signals as account_signals
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from cellway.accounts import passkeys, signals
        from cellway.accounts.roles import sync_roles_after_migrate

        # Before the URLs import allauth's MFA views: fido2 is loaded when a passkey is used, not at start-up.
        passkeys.defer()

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="cellway.accounts.sync_roles")
        user_logged_in.connect(signals.on_login, dispatch_uid="cellway.accounts.on_login")
        user_logged_out.connect(signals.on_logout, dispatch_uid="cellway.accounts.on_logout")
        user_login_failed.connect(signals.on_login_failed, dispatch_uid="cellway.accounts.on_login_failed")
        account_signals.password_changed.connect(signals.on_password_changed, dispatch_uid="cellway.accounts.on_password_changed")
        account_signals.password_set.connect(signals.on_password_set, dispatch_uid="cellway.accounts.on_password_set")
        account_signals.password_reset.connect(signals.on_password_reset, dispatch_uid="cellway.accounts.on_password_reset")
        mfa_signals.authenticator_added.connect(signals.on_authenticator_added, dispatch_uid="cellway.accounts.on_mfa_added")
        mfa_signals.authenticator_removed.connect(signals.on_authenticator_removed, dispatch_uid="cellway.accounts.on_mfa_removed")
        mfa_signals.authenticator_reset.connect(signals.on_authenticator_reset, dispatch_uid="cellway.accounts.on_mfa_reset")
        mfa_signals.authentication_failed.connect(signals.on_second_factor_failed, dispatch_uid="cellway.accounts.on_mfa_failed")
