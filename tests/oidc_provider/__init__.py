"""A small separate Django project: django-oauth-toolkit's OpenID Connect provider, for the sign-in tests.

Started by ``tests/browser/test_sso_oidc.py`` (``python -m tests.oidc_provider.run`` on 127.0.0.1, its own
SQLite file); it stands in for the province's 统一身份认证 service and speaks the real protocol: discovery,
authorization code with PKCE, RS256 ID tokens, JWKS, userinfo, RP-initiated logout.
"""
