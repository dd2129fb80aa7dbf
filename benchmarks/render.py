"""Rendering a five-item answer: title, text, glossary, disclosure and reasons for five actions.

The issue's figure: rendering the presented text and explanation for a five-item answer adds at
most 1 ms p99 to a recommendation request. Measured in-process on the preview's demo data (five
different signal actions, their real candidates and profiles), with the templates compiled once
beforehand as the service does at start-up: each timed run builds the five readers, the five
reason lists and the five renders, cycling through detail levels, literacy bands, tones and
framings so no run repeats the previous one's path. Nothing is cached between renders: every
run writes its five texts from scratch, as the first request of a day does. The library load
(template compilation) and one render of one action at each detail level (the fastest of five
batches of 500) are reported on their own, and the one-minute load average before and after the
timed runs, since other work on the machine shows up in the p99. Beside the wall-clock
percentiles (what a request waits), each run's CPU time on this thread is reported too: when the
two p99s part, the difference is time spent waiting for a core, not rendering.

After the warm-up the objects built so far (the demo book, the compiled templates) are frozen out
of the garbage collector, as ``nextbest serve`` does after start-up (``api/app.py``): otherwise a
full collection of the benchmark's own demo data lands inside some timed runs, a cost the service
does not have. ``--no-freeze`` measures without it.

    .venv/bin/python benchmarks/render.py --runs 3000
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import sys
import time

from _common import BenchDatabase, machine_description, percentile, print_report
from nextbest.cli.render import demo_examples
from nextbest.domain.enums import CommentaryTone, DetailLevel
from nextbest.presentation import (
    LOCALES,
    BenefitEmphasis,
    Framing,
    Presenter,
    Reader,
    UrgencyFraming,
    load_library,
    reader_for,
    reasons_for,
)

TARGET_P99_MS = 1.0
ACTIONS = (
    "increase-contribution",
    "harvest-tax-loss",
    "reduce-concentration",
    "sell-restricted-holding",
    "build-emergency-fund",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5_000, help="timed five-item runs")
    parser.add_argument("--warm-up", type=int, default=200, help="untimed runs first")
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave the warm-up's objects to the collector"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    library = load_library()
    load_ms = (time.perf_counter() - started) * 1000
    presenter = Presenter(library)
    examples = demo_examples()
    items = [examples[a] for a in ACTIONS]
    variants = list(
        itertools.product(
            DetailLevel,
            (2, 5, 9),
            CommentaryTone,
            (
                Framing(),
                Framing(BenefitEmphasis.MONETARY, UrgencyFraming.HIGH_URGENCY, social_proof=120),
            ),
        )
    )

    def answer(run: int) -> int:
        size = 0
        for index, example in enumerate(items):
            detail, literacy, tone, framing = variants[(run + index) % len(variants)]
            reader = reader_for(example.client, example.profile)
            reader = type(reader)(detail, literacy, tone, reader.locale, reader.currency)
            reasons = reasons_for(
                example.action, example.candidate, example.client, example.profile
            )
            presented = presenter.render(
                example.action,
                example.candidate,
                example.client,
                reader,
                framing=framing,
                reasons=reasons,
            )
            size += len(presented.text)
        return size

    def one_render_us(detail: DetailLevel) -> float:
        example = items[0]
        client = example.client
        reader = Reader(
            detail, 5, CommentaryTone.CONCISE, LOCALES[client.country], client.base_currency
        )
        best = float("inf")
        for _ in range(5):
            began = time.perf_counter()
            for _ in range(500):
                presenter.render(example.action, example.candidate, client, reader)
            best = min(best, (time.perf_counter() - began) / 500)
        return round(best * 1e6, 1)

    for run in range(args.warm_up):
        answer(run)
    gc.collect()
    if not args.no_freeze:
        gc.freeze()
    load_before = os.getloadavg()[0]
    times: list[float] = []
    cpu_times: list[float] = []
    for run in range(args.runs):
        cpu_began = time.thread_time()
        began = time.perf_counter()
        answer(run)
        times.append(time.perf_counter() - began)
        cpu_times.append(time.thread_time() - cpu_began)
    load_after = os.getloadavg()[0]
    p99 = percentile(times, 0.99)
    figures: dict[str, object] = {
        "items_per_answer": len(items),
        "gc_frozen_after_warm_up": not args.no_freeze,
        "variants_cycled": len(variants),
        "library_load_ms": round(load_ms, 1),
        "templates_compiled": len(library.actions),
        "runs": len(times),
        "p50_ms": round(percentile(times, 0.50) * 1000, 3),
        "p90_ms": round(percentile(times, 0.90) * 1000, 3),
        "p99_ms": round(p99 * 1000, 3),
        "max_ms": round(max(times) * 1000, 3),
        "cpu_p50_ms": round(percentile(cpu_times, 0.50) * 1000, 3),
        "cpu_p99_ms": round(percentile(cpu_times, 0.99) * 1000, 3),
        "per_item_p50_us": round(percentile(times, 0.50) * 1e6 / len(items), 1),
        "target_p99_ms": TARGET_P99_MS,
        "target_met": p99 * 1000 <= TARGET_P99_MS,
        **{
            f"one_render_{detail.value.lower()}_us": one_render_us(detail) for detail in DetailLevel
        },
    }
    machine = machine_description(BenchDatabase("none", "", "none (in-process, no database)"))
    machine["load_average_1m"] = f"{load_before:.2f} before, {load_after:.2f} after"
    print_report("render", machine, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
