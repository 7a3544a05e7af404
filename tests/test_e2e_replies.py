"""End to end: every click and form gets an answer, errors through the one renderer, the pager.

An unexpected error in a command, a button under a DM, a form or a view's button reaches the
member as a private apology with a fresh reference id, and the log has that id; lists longer
than a page get "Previous" / "Next" for the member who asked.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest

import storage.pitch
import storage.reflections
from kindred.errors import UserFacingError
from storage.communities import ensure_community
from storage.members import ensure_member
from storage.models import ReflectionEntry
from testing.harness import Harness, Server
from tests.forms import text_inputs

REFERENCE = re.compile(r"reference `([0-9a-f]{8})`")


def boom(*_: Any, **__: Any) -> Any:
    raise RuntimeError("a bug in the code")


@pytest.fixture
def breaks(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Any:
    """`breaks(module, name)`: that function raises from now on, as a bug would."""
    caplog.set_level(logging.ERROR)
    return lambda module, name: monkeypatch.setattr(module, name, boom)


def button(message: Any, label: str) -> str:
    return next(
        component["custom_id"]
        for row in message.components
        for component in row["components"]
        if component.get("label") == label
    )


def reference_in(interaction: Any, caplog: pytest.LogCaptureFixture) -> str:
    """The reference id the member was shown; checks the log line carries it."""
    assert interaction.ephemeral
    found = REFERENCE.search(interaction.reply.content)
    assert found, interaction.reply.content
    logged = [r for r in caplog.records if f"ref {found[1]}" in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    return found[1]


async def test_a_failing_dm_button_answers_with_a_fresh_reference(
    kindred: Harness, server: Server, breaks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    now = await server.run("Maya", "reflections now")
    breaks(storage.reflections, "entry_by_ref")
    references = set()
    for _ in range(2):
        click = await kindred.fd.click(
            server.person("Maya"), now.reply, button(now.reply, "Write my reflection")
        )
        await click.wait_response()
        references.add(reference_in(click, caplog))
    assert len(references) == 2  # fresh each time, not a fixed word


async def test_a_failing_form_answers_with_a_reference(
    kindred: Harness, server: Server, breaks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    opened = await server.run("Ines", "pitchcheck draft")
    assert opened.modal is not None
    [field] = text_inputs(opened.modal)
    breaks(storage.pitch, "record_check")
    submitted = await kindred.fd.submit_modal(
        server.person("Ines"),
        opened,
        values={field["custom_id"]: "Hi everyone, I'm Ines and I love long walks with my dog."},
    )
    await submitted.wait_response()
    reference_in(submitted, caplog)


async def journal_of(kindred: Harness, server: Server, who: str, answers: int) -> None:
    """`answers` answered reflections for `who`, written straight to the database."""
    assert kindred.db is not None
    now = kindred.clock.now()
    async with kindred.db.session() as session:
        await ensure_community(session, server.id, now=now)
        member = await ensure_member(session, server.id, int(server.person(who).id), now=now)
        for number in range(answers):
            session.add(
                ReflectionEntry(
                    member_id=member.id,
                    kind="daily",
                    local_date=(now - timedelta(days=number)).date(),
                    prompt_key="pack-1",
                    prompt_text=f"Question {number}?",
                    sent_at=now - timedelta(days=number),
                    answer=f"Answer number {number}.",
                    answered_at=now,
                    skipped=False,
                )
            )


async def test_long_lists_page_for_their_owner(kindred: Harness, server: Server) -> None:
    await journal_of(kindred, server, "Maya", 6)
    journal = await server.run("Maya", "reflections journal")
    assert "Page 1 of 2" in journal.reply.embeds[0]["footer"]["text"]
    next_page = await kindred.fd.click(
        server.person("Maya"), journal.reply, button(journal.reply, "Next")
    )
    await next_page.wait_response()
    assert "Page 2 of 2" in journal.reply.embeds[0]["footer"]["text"]
    assert "Answer number 5." in journal.reply.embeds[0]["description"]
    [previous, following] = journal.reply.components[0]["components"]
    assert (previous["label"], previous.get("disabled")) == ("Previous", False)
    assert (following["label"], following.get("disabled")) == ("Next", True)
    # A short list has no pager, only the menu to edit or delete an entry.
    await journal_of(kindred, server, "Ines", 2)
    short = await server.run("Ines", "reflections journal")
    [row] = short.reply.components
    assert [component["type"] for component in row["components"]] == [3]


async def test_a_failing_page_answers_with_a_reference(
    kindred: Harness, server: Server, breaks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    await journal_of(kindred, server, "Maya", 6)
    journal = await server.run("Maya", "reflections journal")
    breaks(storage.reflections, "journal_page")
    next_page = await kindred.fd.click(
        server.person("Maya"), journal.reply, button(journal.reply, "Next")
    )
    await next_page.wait_response()
    reference_in(next_page, caplog)


async def test_a_refusal_whose_words_fail_to_render_still_answers(
    kindred: Harness,
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A kind refusal with a template bug (a missing value) must not leave the member with
    "This interaction failed": she gets the reference, the log gets the template error."""
    caplog.set_level(logging.ERROR)

    def refuse(*_: Any, **__: Any) -> Any:
        raise UserFacingError("errors/bad_timezone", value="Atlantis")  # no `why`: a bug

    monkeypatch.setattr(storage.pitch, "record_check", refuse)
    reply = await server.run(
        "Ines", "pitchcheck text", text="Hi everyone, I'm Ines and I love long walks with my dog."
    )
    reference_in(reply, caplog)
