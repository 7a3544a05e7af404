"""The scheduler fills stencils instead of rendering each (prompt x community) pair: the text
must be exactly what `render` gives, whatever the community is called."""

from __future__ import annotations

import json

import pytest

from cogs.reflections import scheduler
from prompts import render

NAMES = [
    "Lisbon Founders",
    "*bold* _under_ ~strike~ `code` |pipes| [link](x) \\\\",
    "@everyone and @here",
    "- starts like a list",
    "# starts like a heading",
    "> a quote",
    "everyone",
    "Caf\u00e9 \u00b7 \u6771\u4eac \U0001f331",
    " padded ",
    "",
    "has a \ue000 marker",
    "tab\there",
    "ends with @",
    "\x01-control first",
    "line\nbreak",
    "{braces} and {0}",
]


@pytest.mark.parametrize("community", NAMES)
def test_pack_prompts_match_render(community: str) -> None:
    for key in scheduler.pack_keys():
        scheduler._pack_prompt.cache_clear()
        expected = render(scheduler.PACK_PREFIX + key, community=community)
        assert scheduler._pack_prompt(key, community) == expected, key


@pytest.mark.parametrize("community", NAMES)
@pytest.mark.parametrize("switched", [False, True])
def test_daily_dm_matches_render(community: str, switched: bool) -> None:
    prompts = [
        scheduler.render_prompt(key, community=community, custom={})
        for key in scheduler.pack_keys()[:10]
    ] + ["Our own *prompt* about @everyone", "- a list-like prompt", "a \ue001 marker"]
    for prompt in prompts:
        scheduler._daily_dm.cache_clear()
        expected = render(
            "reflections/daily_dm",
            prompt=prompt,
            community=community,
            switched_to_weekly=switched,
        )
        assert scheduler._daily_dm(prompt, community, switched) == expected, prompt


@pytest.mark.parametrize("community", NAMES)
@pytest.mark.parametrize("switched", [False, True])
def test_pack_daily_matches_render(community: str, switched: bool) -> None:
    for key in scheduler.pack_keys():
        scheduler._pack_daily.cache_clear()
        prompt = render(scheduler.PACK_PREFIX + key, community=community)
        body = render(
            "reflections/daily_dm", prompt=prompt, community=community, switched_to_weekly=switched
        )
        expected = (prompt, '{"content": ' + json.dumps(body) + ', "buttons": ')
        assert scheduler._pack_daily(key, community, switched) == expected, key
