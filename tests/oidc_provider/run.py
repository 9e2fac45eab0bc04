"""Set up and serve the test provider: ``python -m tests.oidc_provider.run`` (environment: see settings.py).

OP_CLIENT_ID/OP_CLIENT_SECRET/OP_REDIRECT_URI/OP_POST_LOGOUT_URI: the one client (the site under test);
OP_USERS: JSON ``{username: password}``; OP_UIDS: JSON ``{username: bb_uid}``.
"""

import json
import os

import django
from django.core.management import call_command


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    for username, password in json.loads(os.environ.get("OP_USERS", "{}")).items():
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
    Application.objects.update_or_create(
        client_id=os.environ["OP_CLIENT_ID"],
        defaults={
            "name": "bangban",
            "client_secret": os.environ["OP_CLIENT_SECRET"],
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": os.environ["OP_REDIRECT_URI"],
            "post_logout_redirect_uris": os.environ.get("OP_POST_LOGOUT_URI", ""),
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": True,
            "hash_client_secret": False,
        },
    )
    call_command("runserver", f"127.0.0.1:{os.environ['OP_PORT']}", "--noreload", verbosity=0)


if __name__ == "__main__":
    main()
