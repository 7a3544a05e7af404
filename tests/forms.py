"""Reading the forms Kindred opens, as a person sees them."""

from __future__ import annotations

from typing import Any

TEXT_INPUT = 4


def text_inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's text fields, whether in action rows (the old layout) or labels; text
    blocks (type 10) hold no field."""
    found = []
    for row in modal["components"]:
        children = [row["component"]] if "component" in row else row.get("components", [])
        found += [child for child in children if child.get("type") == TEXT_INPUT]
    return found


def modal_texts(modal: dict[str, Any]) -> str:
    """Everything a form shows in words: its title, text blocks, labels, hints."""
    parts = [modal.get("title", "")]
    for row in modal["components"]:
        parts += [row.get("content", ""), row.get("label", ""), row.get("description") or ""]
        children = [row["component"]] if "component" in row else row.get("components", [])
        parts += [child.get("placeholder") or "" for child in children]
    return "\n".join(parts)
