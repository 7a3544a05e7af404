"""The daily reflection prompt pack: enough prompts per theme, each short, kind and renderable."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from prompts import render as project_render

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
PACK_DIR = PROMPTS_DIR / "reflections" / "pack"

THEMES = {
    "intention",
    "curiosity",
    "listening",
    "follow_up",
    "giving",
    "own_pitch",
    "boundaries",
    "gratitude",
    "know_like_trust",
}
MIN_TOTAL = 72
MIN_PER_THEME = 7
MAX_CHARS = 300
MIN_CHARS = 20
ALLOWED_VARIABLES = {"name", "community"}
CONTEXT = {"name": "Ana Beatriz", "community": "Women Who Mean Business Lisbon"}

FILE_NAME = re.compile(r"^(?P<theme>[a-z_]+)__\d{2}\.j2$")
SCOLDING = re.compile(r"\bshould\b", re.IGNORECASE)
SALES_WORDS = re.compile(r"\bsell|\bclose the deal\b|\bleads\b|\bpitch deck\b", re.IGNORECASE)

ENV = Environment(loader=FileSystemLoader(str(PROMPTS_DIR)), undefined=StrictUndefined)


def pack_files() -> list[Path]:
    return sorted(PACK_DIR.glob("*.j2"))


def template_name(path: Path) -> str:
    return path.relative_to(PROMPTS_DIR).as_posix()


def source_of(path: Path) -> str:
    assert ENV.loader is not None
    return ENV.loader.get_source(ENV, template_name(path))[0]


def variables_of(path: Path) -> set[str]:
    return jinja2.meta.find_undeclared_variables(ENV.parse(source_of(path)))


def rendered(path: Path) -> str:
    return ENV.get_template(template_name(path)).render(**CONTEXT).strip()


def first_words(text: str, count: int = 5) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9']+", text.lower())[:count])


PACK = pack_files()
IDS = [path.name for path in PACK]


def test_pack_has_enough_prompts() -> None:
    assert len(PACK) >= MIN_TOTAL, f"only {len(PACK)} prompts in {PACK_DIR}"


def test_every_theme_has_enough_prompts() -> None:
    counts = Counter(path.name.split("__", 1)[0] for path in PACK)
    thin = {theme: counts[theme] for theme in THEMES if counts[theme] < MIN_PER_THEME}
    assert not thin, f"themes with fewer than {MIN_PER_THEME} prompts: {thin}"


@pytest.mark.parametrize("path", PACK, ids=IDS)
def test_file_name_names_a_known_theme(path: Path) -> None:
    match = FILE_NAME.match(path.name)
    assert match, f"{path.name} is not <theme>__<nn>.j2"
    assert match["theme"] in THEMES, f"{path.name}: unknown theme {match['theme']!r}"


@pytest.mark.parametrize("path", PACK, ids=IDS)
def test_prompt_renders_within_length(path: Path) -> None:
    text = rendered(path)
    assert MIN_CHARS <= len(text) <= MAX_CHARS, f"{path.name}: {len(text)} characters"
    assert "{{" not in text and "{%" not in text, f"{path.name}: template syntax left over"


@pytest.mark.parametrize("path", PACK, ids=IDS)
def test_prompt_ends_as_a_question_or_invitation(path: Path) -> None:
    assert rendered(path).endswith(("?", ".")), f"{path.name} ends abruptly"


@pytest.mark.parametrize("path", PACK, ids=IDS)
def test_prompt_uses_only_known_variables(path: Path) -> None:
    unknown = variables_of(path) - ALLOWED_VARIABLES
    assert not unknown, f"{path.name} uses {sorted(unknown)}"


@pytest.mark.parametrize("path", PACK, ids=IDS)
def test_prompt_is_never_scolding_or_salesy(path: Path) -> None:
    text = rendered(path)
    assert not SCOLDING.search(text), f"{path.name} says 'should'"
    found = SALES_WORDS.search(text)
    assert not found, f"{path.name} uses sales language: {found.group(0)!r}"


def test_no_two_prompts_are_identical() -> None:
    texts = Counter(rendered(path) for path in PACK)
    duplicates = [text for text, count in texts.items() if count > 1]
    assert not duplicates, f"duplicate prompts: {duplicates}"


def test_no_two_prompts_share_their_first_five_words() -> None:
    openings: dict[tuple[str, ...], list[str]] = {}
    for path in PACK:
        openings.setdefault(first_words(rendered(path)), []).append(path.name)
    shared = {" ".join(words): names for words, names in openings.items() if len(names) > 1}
    assert not shared, f"prompts sharing an opening: {shared}"


@pytest.mark.parametrize("variable", sorted(ALLOWED_VARIABLES))
def test_each_variable_appears_in_at_most_a_third(variable: str) -> None:
    users = [path.name for path in PACK if variable in variables_of(path)]
    assert len(users) * 3 <= len(PACK), f"{variable} used in {len(users)} of {len(PACK)}"


def test_strict_undefined_catches_a_missing_variable() -> None:
    uses_community = [path for path in PACK if "community" in variables_of(path)]
    assert uses_community, "expected at least one prompt to mention the community"
    with pytest.raises(jinja2.UndefinedError):
        ENV.get_template(template_name(uses_community[0])).render(name="Ana Beatriz")


@pytest.mark.parametrize("path", PACK, ids=IDS)
def test_prompt_renders_through_the_project_render(path: Path) -> None:
    # `prompts.render(name, **context)` takes the template's name as its first argument, so a
    # template variable called `name` cannot reach it (TypeError) until that signature changes.
    context = {var: CONTEXT[var] for var in variables_of(path) if var in CONTEXT}
    assert project_render(template_name(path).removesuffix(".j2"), **context) == rendered(path)
