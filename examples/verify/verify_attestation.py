#!/usr/bin/env python3
"""Verify a Livegate attestation offline: ES256 signature against the JWKS, typ, issuer,
audience, expiry, the action hash (SHA-256 of the RFC 8785 canonical JSON of the action), the
nonce, and verdict live. Needs PyJWT and cryptography (Debian: python3-jwt python3-cryptography).

Usage:
  verify_attestation.py --jwks jwks.json --issuer https://livegate.example.com \
      --audience payments --action action.json [--nonce N] < token.jwt
Exit 0 and the claims as JSON on stdout when every check passes; exit 1 and
"REJECT <reason>: <message>" on stderr otherwise.
"""
import argparse
import decimal
import hashlib
import json
import math
import sys

import jwt  # PyJWT

TYP = "livegate-attestation+jwt"
LEEWAY_S = 30


class Reject(Exception):
    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def _number(x):
    """A number as ECMAScript's Number.prototype.toString writes it (RFC 8785 section 3.2.2.3)."""
    if isinstance(x, bool):
        raise TypeError("bool is not a number")
    if isinstance(x, int):
        return str(x)
    if math.isnan(x) or math.isinf(x):
        raise ValueError("NaN and Infinity have no JSON form")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr() gives the shortest digits that round-trip, as ECMAScript does.
    _, digits, exponent = decimal.Decimal(repr(abs(x))).as_tuple()
    d = "".join(map(str, digits)).rstrip("0") or "0"
    n = len(digits) + exponent  # value = 0.d * 10**n
    k = len(d)
    if k <= n <= 21:
        out = d + "0" * (n - k)
    elif 0 < n <= 21:
        out = d[:n] + "." + d[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + d
    else:
        e = n - 1
        out = d[0] + ("." + d[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + out


def canonical_json(value):
    """RFC 8785 (JSON Canonicalization Scheme) serialisation of parsed JSON."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        # Keys sorted by their UTF-16 code units.
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical_json(value[k]) for k in keys) + "}"
    raise TypeError(f"not JSON: {type(value).__name__}")


def action_sha256(description, details=None):
    action = {"description": description}
    if details is not None:
        action["details"] = details
    return hashlib.sha256(canonical_json(action).encode("utf-8")).hexdigest()


def verify(token, jwks, issuer, audience, action, nonce=None):
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as err:
        raise Reject("malformed", str(err))
    if header.get("alg") != "ES256":
        raise Reject("alg_not_allowed", f"alg {header.get('alg')!r} is not ES256")
    if header.get("typ") != TYP:
        raise Reject("typ_invalid", f"typ {header.get('typ')!r} is not {TYP}")
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
    if jwk is None:
        raise Reject("unknown_kid", f"no key {header.get('kid')!r} in the JWKS")
    try:
        claims = jwt.decode(
            token,
            jwt.PyJWK(jwk).key,
            algorithms=["ES256"],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
        )
    except jwt.InvalidSignatureError as err:
        raise Reject("signature_invalid", str(err))
    except jwt.ExpiredSignatureError as err:
        raise Reject("expired", str(err))
    except jwt.ImmatureSignatureError as err:
        raise Reject("not_yet_valid", str(err))
    except jwt.InvalidIssuerError as err:
        raise Reject("issuer_mismatch", str(err))
    except jwt.InvalidAudienceError as err:
        raise Reject("audience_mismatch", str(err))
    except jwt.InvalidTokenError as err:
        raise Reject("malformed", str(err))
    attestation = claims.get("attestation") or {}
    expected = action_sha256(action["description"], action.get("details"))
    if attestation.get("action_sha256") != expected:
        raise Reject("action_mismatch", "the attestation is for another action")
    if nonce is not None and claims.get("nonce") != nonce:
        raise Reject("nonce_mismatch", "the attestation does not echo this nonce")
    if attestation.get("verdict") != "live":
        raise Reject("verdict_not_live", f"verdict is {attestation.get('verdict')!r}, not live")
    return claims


def main():
    parser = argparse.ArgumentParser(description="Verify a Livegate attestation offline (token on stdin).")
    parser.add_argument("--jwks", required=True, help="file holding the issuer's /.well-known/jwks.json")
    parser.add_argument("--issuer", required=True, help="the Livegate public URL (iss)")
    parser.add_argument("--audience", required=True, help="your relying-party name (aud)")
    parser.add_argument("--action", required=True, help='file holding {"description": ..., "details": ...}')
    parser.add_argument("--nonce", help="the nonce you passed at session creation")
    args = parser.parse_args()
    with open(args.jwks, encoding="utf-8") as f:
        jwks = json.load(f)
    with open(args.action, encoding="utf-8") as f:
        action = json.load(f)
    token = sys.stdin.read().strip()
    try:
        claims = verify(token, jwks, args.issuer, args.audience, action, args.nonce)
    except Reject as err:
        print(f"REJECT {err.reason}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
