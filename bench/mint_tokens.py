#!/usr/bin/env python3
"""Mints HS256 access tokens the way the identity module does, for load tests only.

The benchmark needs thousands of distinct buyers; signing them up through /auth/register would
spend minutes in argon2id. The server is started with the same secret, so these verify exactly
like tokens it issued itself.

usage: mint_tokens.py SECRET COUNT ROLE [ISSUER AUDIENCE]  -> one token per line
"""
import base64, hashlib, hmac, json, sys, time, uuid


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(secret: str, role: str, issuer: str, audience: str) -> str:
    now = int(time.time())
    user = str(uuid.uuid4())
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {"iss": issuer, "aud": audience, "sub": user, "iat": now, "nbf": now, "exp": now + 3600,
               "jti": str(uuid.uuid4()), "email": f"{user[:8]}@bench.local", "roles": [role]}
    signing_input = b64(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


if __name__ == "__main__":
    secret, count, role = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    issuer = sys.argv[4] if len(sys.argv) > 4 else "boxoffice"
    audience = sys.argv[5] if len(sys.argv) > 5 else "boxoffice-api"
    for _ in range(count):
        print(mint(secret, role, issuer, audience))
