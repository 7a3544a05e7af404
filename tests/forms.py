"""Reading the forms Kindred opens, as a person sees them."""

from __future__ import annotations

from typing import Any

TEXT_INPUT = 4


def labelled_text_inputs(modal: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The form's text fields with the label a person reads above each, whether in action
    rows (the old layout, the field's own label) or labels; text blocks (type 10) hold no
    field."""
    found = []
    for row in modal["components"]:
        children = [row["component"]] if "component" in row else row.get("components", [])
        found += [
            (row.get("label") or child.get("label", ""), child)
            for child in children
            if child.get("type") == TEXT_INPUT
        ]
    return found


def text_inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's text fields (`labelled_text_inputs` without the labels)."""
    return [field for _, field in labelled_text_inputs(modal)]


def modal_texts(modal: dict[str, Any]) -> str:
    """Everything a form shows in words: its title, text blocks, labels, hints."""
    parts = [modal.get("title", "")]
    for row in modal["components"]:
        parts += [row.get("content", ""), row.get("label", ""), row.get("description") or ""]
        children = [row["component"]] if "component" in row else row.get("components", [])
        parts += [child.get("placeholder") or "" for child in children]
    return "\n".join(parts)
