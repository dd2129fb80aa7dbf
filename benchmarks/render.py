"""Rendering a five-item answer: title, text, glossary, disclosure and reasons for five actions.

The issue's figure: rendering the presented text and explanation for a five-item answer adds at
most 1 ms p99 to a recommendation request. Measured in-process on the preview's demo data (five
different signal actions, their real candidates and profiles), with the templates compiled once
beforehand as the service does at start-up: each timed run builds the five readers, the five
reason lists and the five renders, cycling through detail levels, literacy bands, tones and
framings so no run repeats the previous one's path. The library load (template compilation) is
reported on its own.

    .venv/bin/python benchmarks/render.py --runs 5000
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import time

from _common import BenchDatabase, machine_description, percentile, print_report
from nextbest.cli.render import demo_examples
from nextbest.domain.enums import CommentaryTone, DetailLevel
from nextbest.presentation import (
    BenefitEmphasis,
    Framing,
    Presenter,
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

    for run in range(args.warm_up):
        answer(run)
    gc.collect()
    times: list[float] = []
    for run in range(args.runs):
        began = time.perf_counter()
        answer(run)
        times.append(time.perf_counter() - began)
    p99 = percentile(times, 0.99)
    figures: dict[str, object] = {
        "items_per_answer": len(items),
        "variants_cycled": len(variants),
        "library_load_ms": round(load_ms, 1),
        "templates_compiled": len(library.actions),
        "runs": len(times),
        "p50_ms": round(percentile(times, 0.50) * 1000, 3),
        "p90_ms": round(percentile(times, 0.90) * 1000, 3),
        "p99_ms": round(p99 * 1000, 3),
        "max_ms": round(max(times) * 1000, 3),
        "per_item_p50_us": round(percentile(times, 0.50) * 1e6 / len(items), 1),
        "target_p99_ms": TARGET_P99_MS,
        "target_met": p99 * 1000 <= TARGET_P99_MS,
    }
    machine = machine_description(BenchDatabase("none", "", "none (in-process, no database)"))
    print_report("render", machine, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
