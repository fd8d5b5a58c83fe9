"""Errors of the shared core. Turned into CLI or HTTP messages only at the edge."""

from __future__ import annotations


class KBError(Exception):
    """Base class for every error kb-service raises on purpose."""


class ConfigurationError(KBError):
    """Settings that cannot work together, or a missing optional extra."""


class ModelNotFoundError(KBError):
    """A model could not be found locally and cannot be downloaded."""


class StoreError(KBError):
    """The vector store refused an operation."""


class DocumentNotFoundError(KBError):
    """No document with that id or source name."""


def missing_extra(package: str, extra: str) -> ConfigurationError:
    return ConfigurationError(
        f"this backend needs the '{package}' package: pip install 'kb-service[{extra}]'"
    )
