"""How the bot's process uses Python's cyclic garbage collector.

The collector's default pace (a young-generation pass every 700 new objects) was made for
small programs. A bot holds discord.py's cache of every server, member and channel (hundreds of
thousands of objects with 10,000 servers) and makes thousands of short-lived ones per
interaction, so by default it collects often and now and then walks the whole cache: in the
burst bench (50 members at once, `python -m bench.load writers`, 2026-12-08) the bot spent
1.0-1.6 s collecting per run, with single pauses up to 156-208 ms while members waited for
their answers; with the two changes below, 0.46-0.48 s and 100 ms (docs/performance.md).

- `pace_collector()`: a young pass every YOUNG_PASS_EVERY new objects, so most of an
  interaction's objects are freed by reference counting before any pass looks at them.
- `settle_after_start()`: once the caches are filled (on_ready), collect once and freeze what
  is left: the cache and the code stop being walked by every full pass. Called again on a new
  session (after a full reconnect discord.py fills its cache anew): unfreezing first lets the
  old cache's cycles be collected.
"""

from __future__ import annotations

import gc

YOUNG_PASS_EVERY = 10_000


def pace_collector() -> None:
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_PASS_EVERY, middle, old)


def settle_after_start() -> None:
    gc.unfreeze()
    gc.collect()
    gc.freeze()
