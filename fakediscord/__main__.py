"""``python -m fakediscord``: a standalone fake Discord with a small demo world."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from fakediscord.server import FakeDiscord


async def _serve(args: argparse.Namespace) -> None:
    fd = FakeDiscord(
        args.spec,
        global_rate_limit=args.global_rate_limit,
        shard_count=args.shards,
    )
    await fd.start(args.port)
    owner = fd.add_user("Maya")
    guild = fd.add_guild("Demo Meetup", owner=owner)
    fd.add_channel(guild, "general")
    fd.add_channel(guild, "referral-thanks")
    print(f"api_base     {fd.api_base}")
    print(f"gateway_url  {fd.gateway_url}")
    print(f"bot_token    {fd.bot_token}")
    print(f"guild        {guild.id} ({guild.name}), member {owner.id} ({owner.name})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fd.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m fakediscord")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--spec", default=None, help="path to Discord's openapi.json")
    parser.add_argument("--global-rate-limit", type=int, default=50)
    parser.add_argument("--shards", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
