"""API keys: bearer tokens with a reader or an admin role.

Keys from the settings are hashed (SHA-256) when the app starts and only the hashes are
kept; a config may also hold 'sha256:<hex>' so the plain key never sits in a file. A
presented key is hashed and compared with every stored hash in constant time.
"""

from __future__ import annotations

import hmac
import logging
from enum import IntEnum
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer

from api.audit import remember_key
from api.errors import APIError
from kb_service.audit import hash_key, stored_hash
from kb_service.settings import Settings

log = logging.getLogger(__name__)


class Role(IntEnum):
    READER = 1
    ADMIN = 2


class KeyRing:
    def __init__(self, reader_keys: list[str], admin_keys: list[str], *, open_access: bool) -> None:
        self._hashes: list[tuple[bytes, Role]] = [(stored_hash(k).encode(), Role.READER) for k in reader_keys]
        self._hashes += [(stored_hash(k).encode(), Role.ADMIN) for k in admin_keys]
        self.open_access = open_access

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        ring = cls(settings.api_keys, settings.admin_keys, open_access=settings.open_access)
        if settings.open_access:
            log.warning("KB_OPEN_ACCESS is on: anyone who can reach this port has admin rights (local use only)")
        elif not ring._hashes:
            log.warning("no API keys configured (KB_API_KEYS, KB_ADMIN_KEYS): every request will be refused")
        return ring

    def role_for(self, key: str | None) -> Role | None:
        if key:
            digest = hash_key(key).encode()
            found: Role | None = None
            for stored, role in self._hashes:  # no early exit: timing does not reveal which matched
                if hmac.compare_digest(digest, stored) and (found is None or role > found):
                    found = role
            if found is not None:
                return found
        return Role.ADMIN if self.open_access else None


def presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or None


# Declared so the OpenAPI spec (and /docs' Authorize button) says how to authenticate; the
# key itself is read by presented_key(), which both schemes feed.
_BEARER = HTTPBearer(auto_error=False, description="A reader or admin key: `Authorization: Bearer <key>`.")
_API_KEY = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The same key, for clients that cannot set Authorization."
)


def _require(minimum: Role):
    async def dependency(  # async: no worker thread needed (see api/deps.py)
        request: Request, _bearer: object = Security(_BEARER), _header: object = Security(_API_KEY)
    ) -> Role:
        ring: KeyRing = request.app.state.keyring
        key = presented_key(request)
        role = ring.role_for(key)
        remember_key(request, key_sha256_hex=hash_key(key) if key else None, role=role.name.lower() if role else None)
        if role is None:
            message = "invalid API key" if key else "missing API key: send 'Authorization: Bearer <key>'"
            raise APIError(401, message, type="invalid_request_error", code="invalid_api_key",
                           headers={"WWW-Authenticate": "Bearer"})
        if role < minimum:
            raise APIError(403, "this key may not do that: an admin key is needed", type="permission_error",
                           code="insufficient_permissions")
        return role

    return dependency


Reader = Annotated[Role, Depends(_require(Role.READER))]
Admin = Annotated[Role, Depends(_require(Role.ADMIN))]
