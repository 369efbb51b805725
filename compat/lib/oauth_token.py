"""Tokens for the OAUTHBEARER scenarios, signed (PyJWT) with the key the runner made
(compat/scenarios-security-oauth.ts), as an identity provider would issue them."""
import os
import time

import jwt


def oauth_token(sub="alice", audience=None, issuer=None, expires_in=600):
    """Returns (token, exp in seconds since the epoch)."""
    with open(os.environ["RUNNEL_OAUTH_KEY_FILE"], encoding="utf-8") as f:
        key = f.read()
    now = int(time.time())
    exp = now + expires_in
    claims = {
        "sub": sub,
        "iss": issuer or os.environ["RUNNEL_OAUTH_ISSUER"],
        "aud": audience or os.environ["RUNNEL_OAUTH_AUDIENCE"],
        "iat": now - 120,
        "exp": exp,
        "scope": "kafka",
    }
    token = jwt.encode(claims, key, algorithm="ES256", headers={"kid": os.environ["RUNNEL_OAUTH_KID"]})
    return token, exp
