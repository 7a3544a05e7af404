"""Discord's length/count limits that the OpenAPI spec cannot express."""

from __future__ import annotations

from typing import Any

from fakediscord import limits as L


def errors_of(check: Any, body: dict[str, Any]) -> dict[str, Any]:
    errs = L.FormErrors()
    check(body, errs)
    return errs.tree


def button(custom_id: str) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": "b", "custom_id": custom_id}


def test_message_limits() -> None:
    assert errors_of(L.check_message, {"content": "x" * 2000}) == {}
    assert "content" in errors_of(L.check_message, {"content": "x" * 2001})
    assert "embeds" in errors_of(L.check_message, {"embeds": [{"title": "t"}] * 11})
    too_big = {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}
    assert errors_of(L.check_message, too_big)["embeds"]["_errors"][0]["code"] == (
        "MAX_EMBED_SIZE_EXCEEDED"
    )
    fields = {"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}
    assert "fields" in errors_of(L.check_message, fields)["embeds"]["0"]
    long_field = {"embeds": [{"fields": [{"name": "n" * 257, "value": "v" * 1025}]}]}
    field_errors = errors_of(L.check_message, long_field)["embeds"]["0"]["fields"]["0"]
    assert set(field_errors) == {"name", "value"}
    assert "nonce" in errors_of(L.check_message, {"content": "x", "nonce": "n" * 26})


def test_component_limits() -> None:
    six_rows = {"components": [{"type": 1, "components": [button(f"b{i}")]} for i in range(6)]}
    assert "components" in errors_of(L.check_message, six_rows)
    wide = {"components": [{"type": 1, "components": [button(f"b{i}") for i in range(6)]}]}
    assert errors_of(L.check_message, wide)["components"]["0"]["components"]
    dup = {"components": [{"type": 1, "components": [button("same"), button("same")]}]}
    assert errors_of(L.check_message, dup)
    long_id = {"components": [{"type": 1, "components": [button("x" * 101)]}]}
    assert errors_of(L.check_message, long_id)
    link = {"type": 2, "style": 5, "label": "docs", "url": "https://example.com"}
    assert errors_of(L.check_message, {"components": [{"type": 1, "components": [link]}]}) == {}


def test_modal_and_autocomplete_limits() -> None:
    text_input = {"type": 4, "custom_id": "a", "label": "A", "style": 1}
    modal = {
        "custom_id": "m",
        "title": "t" * 46,
        "components": [{"type": 1, "components": [text_input]}],
    }
    assert "title" in errors_of(L.check_modal, modal)["data"]
    modal["title"] = "ok"
    assert errors_of(L.check_modal, modal) == {}
    choices = {"choices": [{"name": str(i), "value": str(i)} for i in range(26)]}
    assert "choices" in errors_of(L.check_autocomplete, choices)["data"]


def test_command_definitions() -> None:
    ok = {"name": "setup", "description": "Set up", "type": 1}
    assert errors_of(L.check_command, ok) == {}
    assert "name" in errors_of(L.check_command, {**ok, "name": "Setup"})
    assert "description" in errors_of(L.check_command, {**ok, "description": ""})
    bad_order = {
        **ok,
        "options": [
            {"name": "a", "description": "a", "type": 3},
            {"name": "b", "description": "b", "type": 3, "required": True},
        ],
    }
    assert errors_of(L.check_command, bad_order)
