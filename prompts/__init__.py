"""Every sentence a member reads lives in a template here; `render` fills one in.

Templates are Jinja2 files named `<feature>/<name>.j2`. Undefined variables fail loudly
(StrictUndefined) so a typo never ships a blank sentence. Text a member typed must pass
through the `md` filter wherever it is embedded, so their markdown cannot break ours.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import jinja2

PROMPTS_DIR = Path(__file__).resolve().parent

_MARKDOWN = re.compile(r"([\\*_~`|\[\]])")
# NUL and other control characters (but newlines and tabs) never reach Discord.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_START = re.compile(r"^(\s*)([>#-])", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Show member text literally: markdown characters escaped, mass mentions defused.

    Mentions cannot ping (every send uses AllowedMentions.none()); the zero-width space keeps
    `@everyone` from even *looking* like a ping.
    """
    text = _MARKDOWN.sub(r"\\\1", _CONTROLS.sub("", str(text)))
    text = _LINE_START.sub(r"\1\\\2", text)
    return text.replace("@everyone", "@\u200beveryone").replace("@here", "@\u200bhere")


def discord_timestamp(epoch_seconds: float | int, style: str = "F") -> str:
    """A Discord timestamp tag, shown in each reader's own time zone."""
    return f"<t:{int(epoch_seconds)}:{style}>"


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PROMPTS_DIR)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # Templates ship with the code and never change while the bot runs: without this,
        # every render stats its file to see whether it changed.
        auto_reload=False,
        # Every template stays compiled, in a plain dict: they are a fixed set of files (about
        # 650). Jinja's bounded cache (an LRU) moves the template to the end of a deque on
        # every render, a scan of that deque under a lock: 1-2% of the bot's CPU.
        cache_size=-1,
    )
    env.filters["md"] = escape_markdown
    env.filters["ts"] = discord_timestamp
    return env


def render(name: str, /, **context: Any) -> str:
    """Render `prompts/<name>.j2`, e.g. `render("setup/saved", ...)`."""
    template = environment().get_template(f"{name}.j2")
    return template.render(**context).strip()


def template_names() -> list[str]:
    """Every template, as the name `render` takes."""
    return sorted(
        str(path.relative_to(PROMPTS_DIR).with_suffix("")) for path in PROMPTS_DIR.rglob("*.j2")
    )


def _templates_in(folder: str) -> dict[str, str]:
    """The templates directly in `prompts/<folder>/`: {file name without .j2: name for render}."""
    return {
        path.stem: f"{folder}/{path.stem}" for path in sorted((PROMPTS_DIR / folder).glob("*.j2"))
    }


def texts(folder: str) -> dict[str, str]:
    """Every template in `prompts/<folder>/` without variables, rendered: {name: text}."""
    return {leaf: render(name) for leaf, name in _templates_in(folder).items()}


def format_strings(folder: str, *fields: str) -> dict[str, str]:
    """Every template in `prompts/<folder>/`, rendered once into a `str.format` string over
    `fields` ("Turn {ex} into..."): {name: format string}.

    For words filled in where a Jinja render (about 5 µs) costs too much, as in the pitch
    analyzer, which builds 2-3 suggestions per report, thousands of reports a second. Each
    field is rendered as a marker and put back as "{field}", so the templates may use the
    fields only as they are (no filters); whoever fills them in escapes member text.
    """
    markers = {field: f"\x00{field}\x00" for field in fields}
    out: dict[str, str] = {}
    for leaf, name in _templates_in(folder).items():
        text = render(name, **markers).replace("{", "{{").replace("}", "}}")
        for field, marker in markers.items():
            text = text.replace(marker, "{" + field + "}")
        if "\x00" in text:
            raise ValueError(f"prompts/{name}.j2 changes a field with a filter")
        out[leaf] = text
    return out
