"""How fast this machine is right now, in the two things the product's CPU figures are made of: Python code,
and the kernel switching between threads (every database query and every call hands a thread off twice).

    .venv/bin/python bench/machine_speed.py

`make bench` prints it before and after its figures. This shared virtual machine's speed moves: on
2026-11-28 one Python loop's CPU time moved by up to 60% between runs seconds apart, and a bare
INSERT+COMMIT loop ran at a third of the previous day's rate. Every CPU figure of a benchmark moves with
it: read a CPU figure beside the speed the machine had when it was measured.
"""

from __future__ import annotations

import queue
import threading
import time

ADDITIONS = 10_000_000
HANDOFFS = 20_000


def loop() -> float:
    """CPU seconds of a fixed pure-Python loop."""
    started = time.process_time()
    total = 0
    for number in range(ADDITIONS):
        total += number
    return time.process_time() - started


def ping_pong() -> float:
    """CPU microseconds per hand-off of a token between two threads that block in between (both sides)."""
    there: queue.SimpleQueue[int] = queue.SimpleQueue()
    back: queue.SimpleQueue[int] = queue.SimpleQueue()

    def echo() -> None:
        while (token := there.get()) >= 0:
            back.put(token)

    thread = threading.Thread(target=echo)
    thread.start()
    started = time.process_time()
    for token in range(HANDOFFS):
        there.put(token)
        back.get()
    spent = time.process_time() - started
    there.put(-1)
    thread.join()
    return spent / (2 * HANDOFFS) * 1e6


def main() -> None:
    loops = sorted(loop() for _ in range(3))
    handoffs = sorted(ping_pong() for _ in range(3))
    print(
        f"machine speed: a loop of {ADDITIONS:,} additions took {loops[0]:.2f} to {loops[-1]:.2f} s of CPU; "
        f"a thread hand-off cost {handoffs[0]:.1f} to {handoffs[-1]:.1f} µs of CPU (3 runs each)"
    )


if __name__ == "__main__":
    main()
