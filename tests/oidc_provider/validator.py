"""The provider's claims: ``bb_uid`` (the 统一身份 user id a district links to an agent) and ``name``; and a
switch that corrupts the ID token's signature (the tampered-token test)."""

import json
import os
from pathlib import Path

from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim for the openid scope

    def get_additional_claims(self, request):  # type: ignore[no-untyped-def]
        uids = json.loads(os.environ.get("OP_UIDS", "{}"))
        return {"bb_uid": uids.get(request.user.username, ""), "name": request.user.get_full_name()}

    def finalize_id_token(self, id_token, token, token_handler, request):  # type: ignore[no-untyped-def]
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        flag = os.environ.get("OP_TAMPER_FILE", "")
        if flag and Path(flag).exists():
            head, body, signature = signed.split(".")
            flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
            return f"{head}.{body}.{flipped}"
        return signed
