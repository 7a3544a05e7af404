"""Kindred's test bench: the end-to-end harness, the scenarios the tests and `make bench` share,
the one way to start the bot against fakediscord (`testing.world`), and the sandbox.

Like fakediscord, it is developer tooling: it is not part of the installed package. It runs
from a checkout (the tests, `make bench` and `python bot.py sandbox` put the checkout on the
import path), and it never imports pytest or the tests.
"""
