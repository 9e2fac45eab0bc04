from django.apps import AppConfig


class SsoConfig(AppConfig):
    """Staff sign-in through the province's unified identity service (统一身份认证, OpenID Connect): the glue
    around mozilla-django-oidc (authorization code flow with PKCE), the identity → agent links, the switch
    that turns local staff passwords off (``STAFF_PASSWORD_LOGIN``) and the provider logout."""

    name = "sso"
    verbose_name = "统一身份认证"
