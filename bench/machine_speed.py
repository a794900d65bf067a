"""How fast this machine runs Python right now: the CPU time of a fixed pure-Python loop, best and worst of five.

    .venv/bin/python bench/machine_speed.py

`make bench` prints it before and after its figures. On this shared virtual machine one loop's CPU time has
moved by up to 60% between runs a few seconds apart (2026-11-28, idle machine), and every CPU figure of a
benchmark moves with it: read a CPU figure beside the speed the machine had when it was measured.
"""

from __future__ import annotations

import time

ADDITIONS = 10_000_000


def loop() -> float:
    started = time.process_time()
    total = 0
    for number in range(ADDITIONS):
        total += number
    return time.process_time() - started


def main() -> None:
    runs = sorted(loop() for _ in range(5))
    print(f"machine speed: a loop of {ADDITIONS:,} additions took {runs[0]:.2f} to {runs[-1]:.2f} s of CPU over 5 runs")


if __name__ == "__main__":
    main()
