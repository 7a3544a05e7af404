"""Validate request bodies (and scalar query parameters) against Discord's official OpenAPI
3.1 description.

fakediscord must refuse what real Discord refuses, otherwise tests pass against the fake and the
bot fails in production. The schema is the one Discord publishes
(https://github.com/discord/discord-api-spec); we apply a few narrowly scoped adjustments where
that document disagrees with what Discord actually accepts from discord.py (see
``_apply_adjustments``), and never skip a route wholesale.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import reprlib
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["SpecValidator", "discord_error_body", "find_spec_path"]

SPEC_ENV_VAR = "DISCORD_OPENAPI_SPEC"

# The document is registered under one absolute URI so that the few $refs left in place by
# _Inliner (cycles) can be resolved from anywhere; the spec's own relative refs then resolve
# against it.
_SPEC_URI = "urn:fakediscord:discord-openapi"

_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

# Preference order when an operation offers several encodings. multipart/form-data wraps the JSON
# schema in allOf with extra "files[n]" properties, which the parsed payload_json never contains.
_CONTENT_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")

ROOT_PATH_LABEL = "(body)"

# A bot's message content is capped at 2000 characters; the spec's 4000 is the limit for Nitro
# users, which no bot has. The fake must reject what Discord rejects from a bot.
BOT_CONTENT_MAX_LENGTH = 2000

GUILD_MEDIA = 16
MESSAGE_REFERENCE_FORWARD = 1
_CHANNEL_FILTER_SCHEMAS = (
    "ApplicationCommandChannelOption",
    "ChannelSelectComponentForMessageRequest",
    "ChannelSelectComponentForModalRequest",
)
_PERMISSION_BITFIELD_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ChannelPermissionOverwriteRequest", ("allow", "deny")),
    ("CreateRoleRequest", ("permissions",)),
    ("UpdateRoleRequestPartial", ("permissions",)),
)
_DECIMAL_STRING: dict[str, Any] = {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"}
_LOCAL_SCHEMA_REF = "#/components/schemas/"

_API_PREFIX = re.compile(r"^/api(?:/v\d+)?(?=/)")

_short_repr = reprlib.Repr()
_short_repr.maxstring = 60
_short_repr.maxother = 60
_short_repr.maxlist = 10
_short_repr.maxdict = 6


def find_spec_path() -> pathlib.Path | None:
    """$DISCORD_OPENAPI_SPEC if set and exists,
    else <project root>/../shared/discord-api-spec/openapi.json
    (project root = parent of the fakediscord package dir), else None."""
    env = os.environ.get(SPEC_ENV_VAR)
    if env:
        candidate = pathlib.Path(env)
        if candidate.is_file():
            return candidate
    project_root = pathlib.Path(__file__).resolve().parent.parent
    candidate = project_root.parent / "shared" / "discord-api-spec" / "openapi.json"
    if candidate.is_file():
        return candidate
    return None


# --------------------------------------------------------------------------------------------
# Schema adjustments
# --------------------------------------------------------------------------------------------


def _schemas(spec: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def _types_of(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type", [])
    return declared if isinstance(declared, list) else [declared]


def _widen_enum(
    schemas: dict[str, Any],
    *,
    base: str,
    extra: tuple[str, Any],
    users: list[tuple[str, str]],
) -> list[str]:
    """Give the listed properties a copy of enum schema `base` that also allows one more value.

    Discord's enums are written as oneOf of consts. The copy is registered under a new name so
    every other user of `base` keeps the spec's definition. Does nothing once the spec itself
    lists the value.
    """
    original = schemas.get(base)
    known = original.get("oneOf") if isinstance(original, dict) else None
    title, value = extra
    if not isinstance(original, dict) or not isinstance(known, list):
        return []
    if any(isinstance(b, dict) and b.get("const") == value for b in known):
        return []
    widened_name = f"Fakediscord{base}With{title.title().replace('_', '')}"
    schemas[widened_name] = {**original, "oneOf": [*known, {"title": title, "const": value}]}
    applied: list[str] = []
    old_ref, new_ref = _LOCAL_SCHEMA_REF + base, _LOCAL_SCHEMA_REF + widened_name
    for schema_name, prop in users:
        prop_schema = schemas.get(schema_name, {}).get("properties", {}).get(prop)
        if _retarget_refs(prop_schema, old_ref, new_ref):
            applied.append(f"{schema_name}.{prop}: {title} ({value!r}) accepted")
    return applied


def _retarget_refs(node: Any, old_ref: str, new_ref: str) -> bool:
    changed = False
    for sub in _walk_dicts(node):
        if sub.get("$ref") == old_ref:
            sub["$ref"] = new_ref
            changed = True
    return changed


def _apply_adjustments(spec: dict[str, Any]) -> list[str]:
    """Rewrite the loaded document in place; return a description of each change applied.

    Every change is keyed to a named schema so that a spec update which renames or removes it
    shows up (the change is skipped and left out of the returned list) instead of silently
    widening something else.
    """
    schemas = _schemas(spec)
    applied: list[str] = []

    # Snowflakes: the spec only allows decimal strings, but discord.py sends plain ints in
    # several places (recipient_id, allowed_mentions.users/roles, attachment ids, command
    # option/permission ids) and Discord accepts them. Widening the one shared definition
    # covers every snowflake field without touching request bodies. The upper bound keeps
    # obviously-not-a-snowflake numbers (and negatives) rejected.
    snowflake = schemas.get("SnowflakeType")
    if isinstance(snowflake, dict) and snowflake.get("type") == "string":
        schemas["SnowflakeType"] = {
            "anyOf": [
                {"type": "string", "pattern": snowflake["pattern"]},
                {"type": "integer", "minimum": 0, "maximum": 2**64 - 1},
            ]
        }
        applied.append("SnowflakeType: integers >= 0 accepted alongside decimal strings")

    # channel_types filters: discord.py 2.7 puts GUILD_MEDIA (16) into the channel_types of any
    # command option annotated ForumChannel or GuildChannel (app_commands.transformers
    # CHANNEL_TO_TYPES) and users may pass ChannelType.media to ui.ChannelSelect. Discord
    # documents type 16 and accepts it there, but the spec's ChannelTypes stops at 15. Only these
    # filter lists get the extra value; creating a channel or thread of type 16 stays rejected.
    applied += _widen_enum(
        schemas,
        base="ChannelTypes",
        extra=("GUILD_MEDIA", GUILD_MEDIA),
        users=[(name, "channel_types") for name in _CHANNEL_FILTER_SCHEMAS],
    )

    # Message forwarding: Message.forward() sends message_reference {"type": 1, ...}
    # (MessageReferenceType.forward) and Discord documents FORWARD = 1, but the spec's
    # MessageReferenceType only lists DEFAULT = 0. Only the request's reference type is widened.
    applied += _widen_enum(
        schemas,
        base="MessageReferenceType",
        extra=("FORWARD", MESSAGE_REFERENCE_FORWARD),
        users=[("MessageReferenceRequest", "type")],
    )

    # Permission bitfields: Discord serialises permissions as decimal strings and accepts them in
    # requests, but the spec types these request fields as integers only. discord.py 2.7 sends
    # strings from Guild.create_role (CreateRoleRequest.permissions), GuildChannel.set_permissions
    # (PUT /channels/{channel_id}/permissions/{overwrite_id}) and category permission sync
    # (_Overwrites._asdict() -> ChannelPermissionOverwriteRequest), and ints elsewhere
    # (Role.edit), so both must pass. Only these fields are widened.
    bitfield_fields: list[tuple[str, dict[str, Any], str]] = [
        (f"{name}.{prop}", schemas.get(name, {}).get("properties", {}), prop)
        for name, props in _PERMISSION_BITFIELD_FIELDS
        for prop in props
    ]
    overwrite_op = spec.get("paths", {}).get("/channels/{channel_id}/permissions/{overwrite_id}")
    overwrite_schema = _body_schema((overwrite_op or {}).get("put") or {}) or {}
    bitfield_fields += [
        (f"PUT /channels/{{channel_id}}/permissions/{{overwrite_id}} {prop}", properties, prop)
        for properties in [overwrite_schema.get("properties", {})]
        for prop in ("allow", "deny")
    ]
    for label, properties, prop in bitfield_fields:
        original = properties.get(prop)
        if isinstance(original, dict) and "integer" in _types_of(original):
            properties[prop] = {"anyOf": [original, dict(_DECIMAL_STRING)]}
            applied.append(f"{label}: decimal string accepted (permission bitfield)")

    # Tightening, not relaxing: see BOT_CONTENT_MAX_LENGTH.
    for name in ("MessageCreateRequest", "MessageEditRequestPartial"):
        content = schemas.get(name, {}).get("properties", {}).get("content")
        if isinstance(content, dict) and content.get("maxLength", 0) > BOT_CONTENT_MAX_LENGTH:
            content["maxLength"] = BOT_CONTENT_MAX_LENGTH
            applied.append(f"{name}.content: maxLength {BOT_CONTENT_MAX_LENGTH} (bot limit)")

    return applied


# --------------------------------------------------------------------------------------------
# Performance rewrites (semantics-preserving)
# --------------------------------------------------------------------------------------------
#
# Validating against the raw spec took 8-20 ms for a message with components or a command
# sync (1-2.5 ms after these rewrites): every component is a 7-way oneOf whose branches are
# all evaluated in full, every `type` is itself a 20-way oneOf of consts, and every $ref
# costs a JSON-pointer walk through a 1.2 MB document. The rewrites below accept and reject
# exactly the same instances (tests/test_spec_validator.py checks this against the unrewritten
# spec); they only change how quickly, and how clearly, the answer is reached.

_ANNOTATIONS = frozenset({"title", "description", "format", "x-discord-union"})
_DISPATCH_KEYWORD = "x-fakediscord-dispatch-on-type"


def _walk_dicts(node: Any) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _consts_to_enum(node: dict[str, Any]) -> None:
    """oneOf of distinct bare consts (Discord's enum style) is the same as one `enum`."""
    branches = node.get("oneOf")
    if not isinstance(branches, list) or not branches or "enum" in node:
        return
    values: list[Any] = []
    for branch in branches:
        if not isinstance(branch, dict) or "const" not in branch:
            return
        if set(branch) - _ANNOTATIONS - {"const"}:
            return
        values.append(branch["const"])
    if not _distinct(values):
        return
    del node["oneOf"]
    node["enum"] = values


def _discriminator_values(schemas: dict[str, Any], ref: Any) -> list[Any] | None:
    if not isinstance(ref, str) or not ref.startswith(_LOCAL_SCHEMA_REF):
        return None
    target = schemas.get(ref[len(_LOCAL_SCHEMA_REF) :])
    if not isinstance(target, dict) or "type" not in target.get("required", ()):
        return None
    # The dispatch adds "type": "object"; a branch that tolerated non-objects would differ.
    if _types_of(target) != ["object"]:
        return None
    prop = target.get("properties", {}).get("type")
    if not isinstance(prop, dict):
        return None
    if isinstance(prop.get("enum"), list):
        return list(prop["enum"])
    if "const" in prop:
        return [prop["const"]]
    return None


def _dispatch_on_type(schemas: dict[str, Any], node: dict[str, Any]) -> None:
    """Turn a union of `$ref`s discriminated by a required `type` into a direct lookup.

    Each branch requires `type` and pins it to values no other branch uses, so at most one
    branch can ever match: "valid against exactly one / at least one branch" is the same as
    "`type` is one of the known values and the branch owning that value is valid". Only the
    owning branch is then evaluated (via _DISPATCH_KEYWORD), and an unknown `type` yields one
    precise enum error instead of one failure per branch.
    """
    for keyword in ("oneOf", "anyOf"):
        branches = node.get(keyword)
        if not isinstance(branches, list) or not branches:
            continue
        if not all(isinstance(b, dict) and set(b) == {"$ref"} for b in branches):
            continue
        per_branch = [_discriminator_values(schemas, b["$ref"]) for b in branches]
        if any(values is None for values in per_branch):
            continue
        flat = [v for values in per_branch for v in values or ()]
        if not _distinct(flat):
            continue
        del node[keyword]
        cases = {
            _case_key(value): branch
            for branch, values in zip(branches, per_branch, strict=True)
            for value in values or ()
        }
        dispatch = {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": sorted(flat, key=_sort_key)}},
            _DISPATCH_KEYWORD: cases,
        }
        node["allOf"] = [*node.get("allOf", []), dispatch]
        return


def _case_key(value: Any) -> str:
    """A string equal for exactly the values JSON Schema considers equal (1 == 1.0, True != 1)."""
    if isinstance(value, bool) or value is None:
        return f"j:{json.dumps(value)}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | float):
        return f"n:{value!r}"
    return f"j:{json.dumps(value, sort_keys=True)}"


def _distinct(values: list[Any]) -> bool:
    return len({_case_key(v) for v in values}) == len(values)


def _dispatch_keyword(
    validator: Any, cases: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    # A missing or unknown `type` is reported by the sibling required/enum keywords.
    if not validator.is_type(instance, "object") or "type" not in instance:
        return
    key = _case_key(instance["type"])
    target = cases.get(key)
    if target is not None:
        yield from validator.descend(instance, target, schema_path=key)


# Draft 2020-12 plus the one keyword _dispatch_on_type emits; everything else is stock.
_Validator = validators.extend(Draft202012Validator, {_DISPATCH_KEYWORD: _dispatch_keyword})


def _sort_key(value: Any) -> tuple[bool, Any]:
    # Numbers first, numerically; everything else by its text. The bool keeps types apart.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (False, value)
    return (True, str(value))


def _optimise(spec: dict[str, Any]) -> None:
    schemas = _schemas(spec)
    roots: list[Any] = [schemas]
    for item in spec.get("paths", {}).values():
        for operation in item.values() if isinstance(item, dict) else ():
            if isinstance(operation, dict) and "requestBody" in operation:
                roots.append(operation["requestBody"])
    for root in roots:
        # Snapshot first: _dispatch_on_type adds nodes, which need no further rewriting.
        for node in list(_walk_dicts(root)):
            _consts_to_enum(node)
            _dispatch_on_type(schemas, node)


class _Inliner:
    """Replace local `$ref`s by the (shared, not copied) schema objects they point to.

    jsonschema resolves every `$ref` through `referencing` on every validation; an acyclic
    object graph skips that entirely. The only cycle in Discord's spec (ErrorDetails, a
    response schema) keeps an absolute `$ref` that the registry still resolves.
    """

    def __init__(self, schemas: dict[str, Any]) -> None:
        self._schemas = schemas
        self._done: dict[str, Any] = {}
        self._active: set[str] = set()

    def schema(self, name: str) -> Any:
        if name in self._done:
            return self._done[name]
        if name in self._active:
            return {"$ref": f"{_SPEC_URI}{_LOCAL_SCHEMA_REF}{name}"}
        self._active.add(name)
        try:
            result = self.node(self._schemas[name])
        finally:
            self._active.discard(name)
        self._done[name] = result
        return result

    def node(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.node(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_LOCAL_SCHEMA_REF):
            target = self.schema(ref[len(_LOCAL_SCHEMA_REF) :])
            siblings = {k: self.node(v) for k, v in node.items() if k != "$ref"}
            if not siblings:
                return target
            # In 2020-12 $ref applies alongside its siblings, which is what allOf expresses.
            siblings["allOf"] = [*siblings.get("allOf", []), target]
            return siblings
        return {key: self.node(value) for key, value in node.items()}


# --------------------------------------------------------------------------------------------
# Route matching
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    template: str
    # None marks a {param} segment; anything else must match the request segment exactly.
    segments: tuple[str | None, ...]
    # method (lowercase) -> request body schema as written in the spec, or None if no JSON body.
    body_schemas: dict[str, Any] = field(hash=False)
    # method (lowercase) -> {query parameter name: its schema as written in the spec}.
    query_schemas: dict[str, dict[str, Any]] = field(hash=False, default_factory=dict)

    def matches(self, parts: list[str]) -> bool:
        return all(
            seg is None or seg == part for seg, part in zip(self.segments, parts, strict=True)
        )


def _body_schema(operation: dict[str, Any]) -> Any:
    content = (operation.get("requestBody") or {}).get("content") or {}
    for content_type in _CONTENT_TYPES:
        if "schema" in content.get(content_type, {}):
            return content[content_type]["schema"]
    return None


def _compile_routes(spec: dict[str, Any]) -> dict[int, list[_Route]]:
    by_length: dict[int, list[_Route]] = {}
    for template, item in spec.get("paths", {}).items():
        segments = tuple(
            None if seg.startswith("{") and seg.endswith("}") else seg
            for seg in template.strip("/").split("/")
        )
        bodies = {
            method: _body_schema(op)
            for method, op in item.items()
            if method in _HTTP_METHODS and isinstance(op, dict)
        }
        queries = {
            method: {
                parameter["name"]: parameter["schema"]
                for parameter in (*item.get("parameters", ()), *op.get("parameters", ()))
                if parameter.get("in") == "query" and "schema" in parameter
            }
            for method, op in item.items()
            if method in _HTTP_METHODS and isinstance(op, dict)
        }
        route = _Route(
            template=template, segments=segments, body_schemas=bodies, query_schemas=queries
        )
        by_length.setdefault(len(segments), []).append(route)
    # Literal segments beat {param} segments at the first position where candidates differ, so
    # /webhooks/{id}/{token}/messages/@original wins over .../messages/{message_id}.
    for routes in by_length.values():
        routes.sort(key=lambda r: tuple(seg is None for seg in r.segments))
    return by_length


# --------------------------------------------------------------------------------------------
# Error reporting
# --------------------------------------------------------------------------------------------


_Path = tuple[str | int, ...]
_Problem = tuple[_Path, str]


def _format_path(path: Iterable[str | int]) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else ROOT_PATH_LABEL


def _type_names(expected: Any) -> str:
    return ", ".join(expected) if isinstance(expected, list) else str(expected)


def _describe(error: ValidationError) -> list[_Problem]:
    """Turn one leaf error into (path, message) pairs with bounded, Discord-ish wording.

    jsonschema's own messages embed the full repr of the instance, which for an oversized
    `content` is the entire 2001-character string.
    """
    path: _Path = tuple(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    instance = error.instance
    shown = _short_repr.repr(instance)
    if keyword == "required" and isinstance(instance, dict):
        # Discord reports a missing field at the field's own path.
        return [((*path, name), "this field is required") for name in value if name not in instance]
    if keyword in ("maxLength", "maxItems", "maxProperties") and hasattr(instance, "__len__"):
        return [(path, f"must be {value} or fewer in length (got {len(instance)}); too long")]
    if keyword in ("minLength", "minItems", "minProperties") and hasattr(instance, "__len__"):
        return [(path, f"must be {value} or more in length (got {len(instance)}); too short")]
    if keyword == "type":
        return [(path, f"{shown} is not of type {_type_names(value)}")]
    if keyword == "enum":
        return [(path, f"{shown} is not one of {sorted(value, key=_sort_key)!r}")]
    if keyword == "const":
        return [(path, f"{shown} is not {value!r}")]
    if keyword == "pattern":
        return [(path, f"{shown} does not match {value!r}")]
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return [(path, f"{shown} violates {keyword} {value!r}")]
    message = error.message
    if len(message) > 300:
        message = message[:297] + "..."
    return [(path, message)]


def _branch_of(error: ValidationError) -> int:
    index = error.relative_schema_path[0] if error.relative_schema_path else 0
    return index if isinstance(index, int) else 0


def _rejects_json_type(branch_errors: list[ValidationError]) -> bool:
    """The branch does not accept this kind of JSON value at all (e.g. the null of [null, X])."""
    return any(err.validator == "type" and not err.path for err in branch_errors)


def _misses_discriminator(branch_errors: list[ValidationError]) -> bool:
    """The branch is for a different `type` value than the instance carries.

    Discord's unions are discriminated by a `type` property. Unions of $refs are already
    rewritten to if/then by _optimise; this covers the remaining inline ones.
    """
    return any(
        err.validator in ("enum", "const") and tuple(err.path) == ("type",) for err in branch_errors
    )


def _problems(error: ValidationError) -> Iterator[_Problem]:
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        yield from _describe(error)
        return
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(_branch_of(sub), []).append(sub)
    # Reporting the errors of branches the sender never aimed at would bury the real problem,
    # so narrow down to the branch(es) meant for this value before descending.
    candidates = {i: errs for i, errs in branches.items() if not _rejects_json_type(errs)}
    if not candidates:
        yield _summarise_types(error, branches)
        return
    if len(candidates) > 1:
        aimed = {i: errs for i, errs in candidates.items() if not _misses_discriminator(errs)}
        if not aimed:
            yield _summarise_discriminator(candidates)
            return
        candidates = aimed
    # Several plausible branches (e.g. the integer/number/string autocomplete variants): the
    # one with the fewest complaints is most likely the one meant; jsonschema's relevance
    # heuristic breaks ties. All of the chosen branch's errors are reported.
    fewest = min(len(errs) for errs in candidates.values())
    tied = {i: errs for i, errs in candidates.items() if len(errs) == fewest}
    best = best_match(err for errs in tied.values() for err in errs)
    chosen = tied[_branch_of(_top_context(best, error))] if best else []
    for sub in chosen:
        yield from _problems(sub)


def _top_context(leaf: ValidationError, union: ValidationError) -> ValidationError:
    node = leaf
    while node.parent is not None and node.parent is not union:
        node = node.parent
    return node


def _summarise_types(
    error: ValidationError, branches: dict[int, list[ValidationError]]
) -> _Problem:
    types: list[str] = []
    for errs in branches.values():
        for err in errs:
            if err.validator == "type" and not err.path:
                types.extend(t for t in _as_list(err.validator_value) if t not in types)
    shown = _short_repr.repr(error.instance)
    return tuple(error.absolute_path), f"{shown} is not of type {', '.join(types)}"


def _summarise_discriminator(branches: dict[int, list[ValidationError]]) -> _Problem:
    allowed: list[Any] = []
    path: _Path = ()
    value: Any = None
    for errs in branches.values():
        for err in errs:
            if err.validator in ("enum", "const") and tuple(err.path) == ("type",):
                values = err.validator_value if err.validator == "enum" else [err.validator_value]
                allowed.extend(v for v in values if v not in allowed)
                path, value = tuple(err.absolute_path), err.instance
    return path, f"{_short_repr.repr(value)} is not one of {sorted(allowed, key=_sort_key)!r}"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _messages(errors: Iterable[ValidationError]) -> list[str]:
    out: list[str] = []
    for top in errors:
        for path, message in _problems(top):
            line = f"{_format_path(path)}: {message}"
            if line not in out:
                out.append(line)
    return out


def discord_error_body(errors: list[str]) -> dict[str, Any]:
    """Discord's 50035 "Invalid Form Body" payload for errors produced by SpecValidator."""
    tree: dict[str, Any] = {}
    for line in errors:
        path, sep, message = line.partition(": ")
        if not sep:
            path, message = ROOT_PATH_LABEL, line
        node = tree
        if path != ROOT_PATH_LABEL:
            for part in path.split("."):
                node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": _error_code(message), "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": tree}


# Query strings carry text; a parameter declared as one of these JSON types is read as it.
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


def _query_value(value: str, types: list[str]) -> Any:
    """The query string `value` as the JSON value the spec's schema describes; a ValueError
    when it cannot be read as that type."""
    if "integer" in types:
        return int(value)
    if "boolean" in types:
        lowered = value.lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise ValueError(value)
    return value


def _error_code(message: str) -> str:
    if message == "this field is required":
        return "BASE_TYPE_REQUIRED"
    if message.endswith("too long") or message.endswith("too short"):
        return "BASE_TYPE_BAD_LENGTH"
    return "BASE_TYPE_INVALID"


# --------------------------------------------------------------------------------------------
# Public validator
# --------------------------------------------------------------------------------------------


class SpecValidator:
    """Request-body validation for every operation in Discord's OpenAPI description."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.adjustments: list[str] = _apply_adjustments(spec)
        _optimise(spec)
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
        self._inliner = _Inliner(_schemas(spec))
        self._routes = _compile_routes(spec)
        self._validators: dict[tuple[str, str], Any] = {}
        # fakediscord may validate from several threads; _Inliner's bookkeeping is not
        # reentrant, so building (not using) a validator is serialised.
        self._build_lock = threading.Lock()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SpecValidator:
        with open(path, encoding="utf-8") as fh:
            return cls(json.load(fh))

    def _match(self, path: str) -> _Route | None:
        path = _API_PREFIX.sub("", path.split("?", 1)[0])
        parts = path.strip("/").split("/")
        for route in self._routes.get(len(parts), ()):
            if route.matches(parts):
                return route
        return None

    def known_operation(self, method: str, path: str) -> bool:
        route = self._match(path)
        return route is not None and method.lower() in route.body_schemas

    def template_for(self, method: str, path: str) -> str | None:
        """The spec's path template for a concrete request path, if the operation exists."""
        route = self._match(path)
        if route is None or method.lower() not in route.body_schemas:
            return None
        return route.template

    def _validator(self, method: str, route: _Route, schema: Any, name: str = "") -> Any:
        key = (method, route.template + name)
        validator = self._validators.get(key)
        if validator is None:
            with self._build_lock:
                validator = self._validators.get(key)
                if validator is None:
                    validator = _Validator(self._inliner.node(schema), registry=self._registry)
                    self._validators[key] = validator
        return validator

    def validate(self, method: str, path: str, body: object | None) -> list[str]:
        """method like 'POST'; path is the URL path AFTER '/api/v10' (e.g. '/channels/123/messages',
        '/interactions/456/tok-en/callback', '/webhooks/1/tok/messages/@original',
        '/applications/1/guilds/2/commands'); query string already stripped. body is the decoded
        JSON (for multipart requests the caller passes the parsed payload_json). Returns a list of
        human-readable error strings, each naming the JSON path of the offending field
        (e.g. 'embeds.0.title: ... is too long'); [] when valid, when the operation has no JSON
        request body schema, or when the path/method is not in the spec (unknown routes are the
        server's business, not yours).

        A missing body (None) is not an error here: the spec marks every request body as
        required, including DELETE /guilds/{guild_id}/bans/{user_id} which discord.py sends
        bare, and "empty message" style checks are semantic ones for the server.
        """
        if body is None:
            return []
        route = self._match(path)
        if route is None:
            return []
        method = method.lower()
        schema = route.body_schemas.get(method)
        if schema is None:
            return []
        return _messages(self._validator(method, route, schema).iter_errors(body))

    def validate_query(self, method: str, path: str, query: Mapping[str, str]) -> list[str]:
        """Errors in the query string's scalar parameters (integers, booleans, strings such
        as snowflakes), each as "name: message"; [] when valid or the operation is unknown.
        Parameters the spec does not declare are ignored, as Discord ignores them; array
        parameters (repeated keys) are not judged."""
        route = self._match(path)
        if route is None:
            return []
        method = method.lower()
        declared = route.query_schemas.get(method) or {}
        errors: list[str] = []
        for name, raw in query.items():
            schema = declared.get(name)
            if schema is None:
                continue
            inlined = self._inliner.node(schema)
            types = _types_of(inlined) if isinstance(inlined, dict) else []
            if "array" in types or not isinstance(inlined, dict) or "oneOf" in inlined:
                continue
            try:
                value = _query_value(raw, types)
            except ValueError:
                errors.append(f"{name}: {_short_repr.repr(raw)} is not of type {types[0]}")
                continue
            validator = self._validator(method, route, schema, f"?{name}")
            errors += [
                f"{name}: {line.partition(': ')[2]}"
                for line in _messages(validator.iter_errors(value))
            ]
        return errors
