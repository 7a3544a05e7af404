"""The length and count limits Discord enforces on bot requests.

The OpenAPI spec cannot express some of them (a bot's content limit is 2000, not the
spec's 4000; the 6000-character embed total; duplicate custom_ids), so they are
checked here and reported in Discord's nested 50035 ``errors`` shape.
"""

from __future__ import annotations

import re
from typing import Any

Path = tuple[str | int, ...]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
ACTION_ROWS_MAX = 5
BUTTONS_PER_ROW_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
COMPONENTS_V2_TOTAL_MAX = 40
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
AUTOCOMPLETE_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100
NONCE_MAX = 25
ATTACHMENTS_MAX = 10

COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")

# Component types.
ACTION_ROW = 1
BUTTON = 2
STRING_SELECT = 3
TEXT_INPUT = 4
USER_SELECT = 5
ROLE_SELECT = 6
MENTIONABLE_SELECT = 7
CHANNEL_SELECT = 8
SELECT_TYPES = frozenset(
    {STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT}
)
SECTION = 9
TEXT_DISPLAY = 10
THUMBNAIL = 11
MEDIA_GALLERY = 12
FILE = 13
SEPARATOR = 14
CONTAINER = 17
LABEL = 18
LINK_STYLE = 5
PREMIUM_STYLE = 6


class FormErrors:
    """Collects errors into ``{"field": {"0": {"_errors": [...]}}}``."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return bool(self.tree)

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: Path, value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def length_between(self, path: Path, value: Any, low: int, high: int) -> None:
        if isinstance(value, str | list) and not low <= len(value) <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def max_items(self, path: Path, value: Any, limit: int) -> None:
        if isinstance(value, list) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: Path) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")


def check_message(
    body: dict[str, Any], errs: FormErrors, path: Path = (), *, webhook: bool = False
) -> None:
    """A message create/edit body (channel message, interaction response, webhook)."""
    errs.max_length((*path, "content"), body.get("content"), CONTENT_MAX)
    nonce = body.get("nonce")
    if isinstance(nonce, str):
        errs.max_length((*path, "nonce"), nonce, NONCE_MAX)
    embeds = body.get("embeds")
    if isinstance(embeds, list):
        errs.max_items((*path, "embeds"), embeds, EMBEDS_MAX)
        total = 0
        for i, embed in enumerate(embeds):
            if isinstance(embed, dict):
                total += check_embed(embed, errs, (*path, "embeds", i))
        if total > EMBED_TOTAL_MAX:
            errs.add(
                (*path, "embeds"),
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
            )
    attachments = body.get("attachments")
    errs.max_items((*path, "attachments"), attachments, ATTACHMENTS_MAX)
    components = body.get("components")
    if isinstance(components, list):
        flags = body.get("flags") or 0
        v2 = bool(isinstance(flags, int) and flags & (1 << 15))
        check_components(components, errs, (*path, "components"), v2=v2)
        if v2 and (body.get("content") or body.get("embeds")):
            errs.add(
                (*path, "content"),
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' and 'embeds' fields cannot be used when using "
                "MessageFlags.IS_COMPONENTS_V2",
            )


def check_embed(embed: dict[str, Any], errs: FormErrors, path: Path) -> int:
    """Checks one embed; returns the characters it adds to the 6000 total."""
    size = 0
    title = embed.get("title")
    if isinstance(title, str):
        errs.max_length((*path, "title"), title, EMBED_TITLE_MAX)
        size += len(title)
    description = embed.get("description")
    if isinstance(description, str):
        errs.max_length((*path, "description"), description, EMBED_DESCRIPTION_MAX)
        size += len(description)
    fields = embed.get("fields")
    if isinstance(fields, list):
        errs.max_items((*path, "fields"), fields, EMBED_FIELDS_MAX)
        for i, fld in enumerate(fields):
            if not isinstance(fld, dict):
                continue
            name, value = fld.get("name"), fld.get("value")
            if not name:
                errs.required((*path, "fields", i, "name"))
            if value is None or value == "":
                errs.required((*path, "fields", i, "value"))
            errs.max_length((*path, "fields", i, "name"), name, EMBED_FIELD_NAME_MAX)
            errs.max_length((*path, "fields", i, "value"), value, EMBED_FIELD_VALUE_MAX)
            size += len(name or "") + len(value or "")
    footer = embed.get("footer")
    if isinstance(footer, dict):
        text = footer.get("text")
        errs.max_length((*path, "footer", "text"), text, EMBED_FOOTER_MAX)
        size += len(text or "")
    author = embed.get("author")
    if isinstance(author, dict):
        name = author.get("name")
        errs.max_length((*path, "author", "name"), name, EMBED_AUTHOR_MAX)
        size += len(name or "")
    return size


def _check_custom_id(
    item: dict[str, Any], errs: FormErrors, path: Path, seen: set[str], *, required: bool
) -> None:
    cid = item.get("custom_id")
    if cid is None:
        if required:
            errs.required((*path, "custom_id"))
        return
    if not isinstance(cid, str) or not 1 <= len(cid) <= CUSTOM_ID_MAX:
        errs.add(
            (*path, "custom_id"),
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between 1 and {CUSTOM_ID_MAX} in length.",
        )
        return
    if cid in seen:
        errs.add(
            (*path, "custom_id"),
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    seen.add(cid)


def _check_button(item: dict[str, Any], errs: FormErrors, path: Path, seen: set[str]) -> None:
    style = item.get("style")
    errs.max_length((*path, "label"), item.get("label"), BUTTON_LABEL_MAX)
    if style == LINK_STYLE:
        if not item.get("url"):
            errs.required((*path, "url"))
        if "custom_id" in item:
            errs.add(
                (*path, "custom_id"),
                "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                "A custom id cannot be set for this button style",
            )
    elif style == PREMIUM_STYLE:
        if not item.get("sku_id"):
            errs.required((*path, "sku_id"))
    else:
        _check_custom_id(item, errs, path, seen, required=True)


def _check_select(item: dict[str, Any], errs: FormErrors, path: Path, seen: set[str]) -> None:
    _check_custom_id(item, errs, path, seen, required=True)
    errs.max_length((*path, "placeholder"), item.get("placeholder"), 150)
    options = item.get("options")
    if item.get("type") == STRING_SELECT:
        if not isinstance(options, list) or not options:
            errs.required((*path, "options"))
        else:
            errs.max_items((*path, "options"), options, SELECT_OPTIONS_MAX)
            for i, opt in enumerate(options):
                if isinstance(opt, dict):
                    errs.max_length((*path, "options", i, "label"), opt.get("label"), 100)
                    errs.max_length((*path, "options", i, "value"), opt.get("value"), 100)
                    errs.max_length(
                        (*path, "options", i, "description"), opt.get("description"), 100
                    )
    for key, low in (("min_values", 0), ("max_values", 1)):
        value = item.get(key)
        if isinstance(value, int) and not low <= value <= 25:
            errs.add(
                (*path, key),
                "BASE_TYPE_MAX_VALUE" if value > 25 else "BASE_TYPE_MIN_VALUE",
                f"Must be between {low} and 25.",
            )


def _count_components(items: list[Any]) -> int:
    total = 0
    for item in items:
        if not isinstance(item, dict):
            continue
        total += 1
        if isinstance(item.get("components"), list):
            total += _count_components(item["components"])
        for key in ("accessory", "component"):
            if isinstance(item.get(key), dict):
                total += _count_components([item[key]])
    return total


def check_components(
    components: list[Any], errs: FormErrors, path: Path, *, v2: bool = False
) -> None:
    seen: set[str] = set()
    if v2:
        if _count_components(components) > COMPONENTS_V2_TOTAL_MAX:
            errs.add(
                path,
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {COMPONENTS_V2_TOTAL_MAX} or fewer in length.",
            )
        _walk_v2(components, errs, path, seen)
        return
    errs.max_items(path, components, ACTION_ROWS_MAX)
    for i, row in enumerate(components):
        if not isinstance(row, dict):
            continue
        rpath = (*path, i)
        if row.get("type") != ACTION_ROW:
            errs.add(
                (*rpath, "type"),
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (1,).',
            )
            continue
        children = row.get("components")
        if not isinstance(children, list) or not children:
            errs.length_between((*rpath, "components"), children or [], 1, 5)
            continue
        errs.max_items((*rpath, "components"), children, BUTTONS_PER_ROW_MAX)
        kinds = {c.get("type") for c in children if isinstance(c, dict)}
        if kinds & SELECT_TYPES and len(children) > 1:
            errs.add(
                (*rpath, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for j, child in enumerate(children):
            if not isinstance(child, dict):
                continue
            cpath = (*rpath, "components", j)
            ctype = child.get("type")
            if ctype == BUTTON:
                _check_button(child, errs, cpath, seen)
            elif ctype in SELECT_TYPES:
                _check_select(child, errs, cpath, seen)


def _walk_v2(items: list[Any], errs: FormErrors, path: Path, seen: set[str]) -> None:
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        ipath = (*path, i)
        ctype = item.get("type")
        if ctype == BUTTON:
            _check_button(item, errs, ipath, seen)
        elif ctype in SELECT_TYPES:
            _check_select(item, errs, ipath, seen)
        elif ctype == TEXT_DISPLAY:
            errs.max_length((*ipath, "content"), item.get("content"), 4000)
        if isinstance(item.get("components"), list):
            if ctype == ACTION_ROW:
                errs.max_items((*ipath, "components"), item["components"], BUTTONS_PER_ROW_MAX)
            _walk_v2(item["components"], errs, (*ipath, "components"), seen)
        accessory = item.get("accessory")
        if isinstance(accessory, dict):
            _walk_v2([accessory], errs, (*ipath, "accessory"), seen)


def check_modal(data: dict[str, Any], errs: FormErrors, path: Path = ("data",)) -> None:
    title = data.get("title")
    if not title:
        errs.required((*path, "title"))
    else:
        errs.max_length((*path, "title"), title, MODAL_TITLE_MAX)
    cid = data.get("custom_id")
    if not cid:
        errs.required((*path, "custom_id"))
    else:
        errs.max_length((*path, "custom_id"), cid, CUSTOM_ID_MAX)
    components = data.get("components")
    if not isinstance(components, list) or not components:
        errs.length_between((*path, "components"), [], 1, MODAL_COMPONENTS_MAX)
        return
    errs.max_items((*path, "components"), components, MODAL_COMPONENTS_MAX)
    seen: set[str] = set()
    for i, top in enumerate(components):
        if not isinstance(top, dict):
            continue
        tpath = (*path, "components", i)
        if top.get("type") == ACTION_ROW:
            children = top.get("components") or []
            for j, child in enumerate(children):
                _check_modal_input(child, errs, (*tpath, "components", j), seen, labelled=False)
        elif top.get("type") == LABEL:
            errs.max_length((*tpath, "label"), top.get("label"), TEXT_INPUT_LABEL_MAX)
            errs.max_length((*tpath, "description"), top.get("description"), 100)
            child = top.get("component")
            if not isinstance(child, dict):
                errs.required((*tpath, "component"))
            else:
                _check_modal_input(child, errs, (*tpath, "component"), seen, labelled=True)


def _check_modal_input(
    item: Any, errs: FormErrors, path: Path, seen: set[str], *, labelled: bool
) -> None:
    if not isinstance(item, dict):
        return
    _check_custom_id(item, errs, path, seen, required=item.get("type") != TEXT_DISPLAY)
    if item.get("type") == TEXT_INPUT:
        if not labelled:
            label = item.get("label")
            if not label:
                errs.required((*path, "label"))
            errs.max_length((*path, "label"), label, TEXT_INPUT_LABEL_MAX)
        errs.max_length((*path, "placeholder"), item.get("placeholder"), 100)
        errs.max_length((*path, "value"), item.get("value"), TEXT_INPUT_VALUE_MAX)
        for key, low in (("min_length", 0), ("max_length", 1)):
            value = item.get(key)
            if isinstance(value, int) and not low <= value <= TEXT_INPUT_VALUE_MAX:
                errs.add((*path, key), "BASE_TYPE_MAX_VALUE", f"Must be between {low} and 4000.")
    elif item.get("type") in SELECT_TYPES:
        _check_select(item, errs, path, set())


def check_autocomplete(data: dict[str, Any], errs: FormErrors, path: Path = ("data",)) -> None:
    choices = data.get("choices")
    if not isinstance(choices, list):
        errs.required((*path, "choices"))
        return
    errs.max_items((*path, "choices"), choices, AUTOCOMPLETE_CHOICES_MAX)
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        errs.length_between((*path, "choices", i, "name"), choice.get("name", ""), 1, 100)
        value = choice.get("value")
        if isinstance(value, str):
            errs.max_length((*path, "choices", i, "value"), value, CHOICE_VALUE_MAX)


def check_command(cmd: dict[str, Any], errs: FormErrors, path: Path = ()) -> None:
    """An application command definition as sent by ``tree.sync``."""
    ctype = cmd.get("type", 1)
    name = cmd.get("name")
    if not isinstance(name, str) or not name:
        errs.required((*path, "name"))
        return
    if ctype == 1:
        if not COMMAND_NAME_RE.match(name) or name != name.lower():
            errs.add(
                (*path, "name"),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid",
            )
        errs.length_between((*path, "description"), cmd.get("description") or "", 1, 100)
    else:
        errs.length_between((*path, "name"), name, 1, 32)
        if cmd.get("description"):
            errs.add(
                (*path, "description"),
                "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                "Context menu commands cannot have description",
            )
    _check_options(cmd.get("options") or [], errs, (*path, "options"))


def _check_options(options: list[Any], errs: FormErrors, path: Path) -> None:
    errs.max_items(path, options, 25)
    names: set[str] = set()
    optional_seen = False
    for i, opt in enumerate(options):
        if not isinstance(opt, dict):
            continue
        opath = (*path, i)
        name = opt.get("name")
        if not isinstance(name, str) or not COMMAND_NAME_RE.match(name) or name != name.lower():
            errs.add(
                (*opath, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        elif name in names:
            errs.add(
                (*opath, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Command option names must be unique",
            )
        else:
            names.add(name)
        errs.length_between((*opath, "description"), opt.get("description") or "", 1, 100)
        if opt.get("type") in (1, 2):
            _check_options(opt.get("options") or [], errs, (*opath, "options"))
            continue
        if opt.get("required"):
            if optional_seen:
                errs.add(
                    (*opath, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = opt.get("choices")
        if isinstance(choices, list):
            errs.max_items((*opath, "choices"), choices, 25)
            if choices and opt.get("autocomplete"):
                errs.add(
                    (*opath, "autocomplete"),
                    "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
                    "Autocomplete cannot be set with choices",
                )
