"""List-valued settings: JSON or comma-separated in the environment."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic_settings import NoDecode

# NoDecode lets `split_list` (a "before" validator of Settings) split the raw string.
EnvList = Annotated[list[str], NoDecode]


def split_list(value: object) -> object:
    """'a, b' or '["a", "b"]' -> ['a', 'b']; anything else is left to pydantic."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value
