"""End to end: time zones as members type them (cities, countries, abbreviations, offsets)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Community, Member, ReflectionSubscription
from testing.harness import Harness, Server


async def zone_of(kindred: Harness, server: Server, who: str) -> str | None:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        return await session.scalar(
            select(ReflectionSubscription.timezone)
            .join(Member, Member.id == ReflectionSubscription.member_id)
            .where(Member.guild_id == server.id, Member.user_id == int(server.person(who).id))
        )


async def test_a_city_not_in_zone_names_is_understood(kindred: Harness, server: Server) -> None:
    reply = await server.run("Maya", "reflections start", time="08:00", timezone="Mumbai")
    assert "Asia/Kolkata" in reply.reply.content
    assert await zone_of(kindred, server, "Maya") == "Asia/Kolkata"
    await server.run("Maya", "reflections settings", timezone="Bangalore")
    assert await zone_of(kindred, server, "Maya") == "Asia/Kolkata"


async def test_an_abbreviation_is_read_as_a_city_and_said_back(
    kindred: Harness, server: Server
) -> None:
    reply = await server.run("Ines", "reflections start", time="09:00", timezone="EST")
    assert await zone_of(kindred, server, "Ines") == "America/New_York"
    assert "New York time" in reply.reply.content and "daylight saving" in reply.reply.content


async def test_a_fixed_offset_asks_for_a_city_and_changes_nothing(
    kindred: Harness, server: Server
) -> None:
    await server.run("Olu", "reflections start", time="09:00", timezone="Berlin")
    reply = await server.run("Olu", "reflections settings", timezone="GMT+1")
    assert reply.ephemeral
    assert "fixed offset" in reply.reply.content and "Nothing was changed" in reply.reply.content
    assert "Lagos" in reply.reply.content  # a city at that offset, as an example
    assert await zone_of(kindred, server, "Olu") == "Europe/Berlin"


async def test_organizers_set_the_community_zone_by_country(
    kindred: Harness, server: Server
) -> None:
    await server.run("Olu", "setup", timezone="India")
    assert kindred.db is not None
    async with kindred.db.read() as session:
        zone = await session.scalar(
            select(Community.timezone).where(Community.guild_id == server.id)
        )
    assert zone == "Asia/Kolkata"
    many = await server.run("Olu", "setup", timezone="United States")
    assert "more than one time zone" in many.reply.content and "New York" in many.reply.content


async def test_autocomplete_offers_the_city_by_its_name(kindred: Harness, server: Server) -> None:
    choices = await server.autocomplete("Maya", "reflections start", "timezone", timezone="Mumb")
    assert choices[0]["value"] == "Asia/Kolkata" and choices[0]["name"].startswith("Mumbai")


async def test_a_date_in_words_is_understood(kindred: Harness, server: Server) -> None:
    await server.run("Olu", "reflections start", time="09:00", timezone="Leeds")
    reply = await server.run("Olu", "reflections pause", until="in two weeks")
    assert reply.ephemeral and "couldn't read" not in reply.reply.content
    muddled = await server.run("Olu", "reflections pause", until="whenever it suits")
    assert (
        "in two weeks" in muddled.reply.content and "Nothing was changed" in muddled.reply.content
    )
