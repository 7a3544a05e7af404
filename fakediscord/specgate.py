"""Glue to :mod:`fakediscord.spec` (Discord's OpenAPI spec), imported lazily.

Validation is optional only in one case: no spec file can be found. That is logged
loudly once, because a suite that silently skips it would pass bodies Discord rejects.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

log = logging.getLogger("fakediscord.spec")

_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()
_warned = False


class _Validator(Protocol):
    def validate(self, method: str, path: str, body: object | None) -> list[str]: ...

    def validate_query(self, method: str, path: str, query: Mapping[str, str]) -> list[str]: ...


class SpecGate:
    def __init__(self, spec_path: str | os.PathLike[str] | None) -> None:
        self._requested = spec_path
        self._validator: _Validator | None = None
        self._loaded = False
        self.path: str | None = None

    def load(self) -> None:
        global _warned
        if self._loaded:
            return
        self._loaded = True
        try:
            from fakediscord import spec as spec_module
        except ImportError as exc:  # the validator module is optional at import time
            if not _warned:
                _warned = True
                log.warning(
                    "!!! fakediscord: spec validation DISABLED, fakediscord.spec unavailable "
                    "(%s); request bodies are NOT checked against Discord's OpenAPI spec",
                    exc,
                )
            return
        path = self._requested or spec_module.find_spec_path()
        if path is None:
            if not _warned:
                _warned = True
                log.warning(
                    "!!! fakediscord: spec validation DISABLED, no openapi.json found (set "
                    "DISCORD_OPENAPI_SPEC); request bodies are NOT checked against Discord's "
                    "OpenAPI spec"
                )
            return
        key = os.fspath(path)
        with _cache_lock:
            validator = _cache.get(key)
            if validator is None:
                validator = _cache[key] = spec_module.SpecValidator.load(key)
        self._validator = validator
        self._error_body = spec_module.discord_error_body
        self.path = key

    @property
    def enabled(self) -> bool:
        return self._validator is not None

    def check(self, method: str, path: str, body: Any) -> dict[str, Any] | None:
        """Discord's 50035 body when ``body`` breaks the spec, else None."""
        if self._validator is None or body is None:
            return None
        return self._judge(self._validator.validate, method, path, body)

    def check_query(
        self, method: str, path: str, query: Mapping[str, str]
    ) -> dict[str, Any] | None:
        """Discord's 50035 body when a query parameter breaks the spec, else None."""
        if self._validator is None or not query:
            return None
        return self._judge(self._validator.validate_query, method, path, query)

    def _judge(
        self, validate: Callable[[str, str, Any], list[str]], method: str, path: str, what: Any
    ) -> dict[str, Any] | None:
        try:
            errors = validate(method, path, what)
        except Exception:
            # A validator bug must be visible but must not take the fake down with it.
            log.exception("fakediscord: spec validator crashed on %s %s", method, path)
            return None
        return self._error_body(errors) if errors else None
