"""A bounded, seeded fuzz test: bad requests of every kind against the real gateway binary.

About 2,300 generated bad requests (malformed JSON and wrong types, deep nesting, invalid UTF-8 and lone
surrogates, invalid function names, HTTP framing errors on raw sockets, oversized bodies, API-key
variants, unknown paths and methods) go to a gateway started with an API key and a 1 MiB body limit,
eight at a time, while a separate process polls `GET /health` every 50 ms. The test asserts:

- the gateway process never exits (no crash) and never answers 5xx, not even where any other status is fine
  (wrong types in fields it ignores, bodies a lenient parser may take);
- every error it answers has the OpenAI body `{"error":{"message":str,"type":str,"param":str|null,"code":str|null}}`
  (exactly those keys) with a JSON content type, and the status each kind expects (400, 401, 413, 4xx);
- it answers every request it can frame a reply to: a silent close is tolerated (and listed) only after the
  client half-closed an unfinished request; nothing stalls (every case ends within CASE_TIMEOUT s);
- deeply nested JSON (more than 64 levels) gets a 400 within a second, and `/health` answers within 100 ms
  throughout (every probe after the first);
- all of it (at least 2,000 requests) finishes in under two minutes.

Every request is built from FUZZ_SEED (fixed, so every run sends the same bytes; set FUZZ_SEED to explore), by the
generators in fuzzing/ (body_cases.py, wire_cases.py), and judged by fuzzing/judge.py.
Run it alone, with its summary:  clients/run -s -k fuzz
The full per-case report goes to $CLIENT_SUITE_TMP/fuzz-stack/fuzz-report.json.
"""

import concurrent.futures
import json
import os
import random
import time
from urllib.parse import urlsplit

import pytest

from conftest import running_stack
from fuzzing.body_cases import deep_cases, json_cases, toolname_cases, utf8_cases
from fuzzing.case import FUZZ_KEY, KINDS, MAX_BODY_MB, Case
from fuzzing.judge import HEALTH_LIMIT, Health, HealthProbe, Tally
from fuzzing.send import exchange
from fuzzing.wire_cases import auth_cases, framing_cases, oversize_cases, route_cases

SEED = int(os.environ.get("FUZZ_SEED", "20240611"))
WORKERS = 8
RUN_BUDGET = 105.0  # seconds for all cases; the run stops by itself after that


def build_cases(seed: int) -> list[Case]:
    """Every case, from `seed`: each kind with its count (the kinds interleave, so the slow ones run beside the quick ones)."""
    rng = random.Random(seed)
    cases = []
    cases += json_cases(rng, 0)
    cases += deep_cases(rng, 10_000, 220)
    cases += utf8_cases(rng, 20_000, 180)
    cases += toolname_cases(rng, 30_000, 170)
    cases += framing_cases(rng, 40_000, 460)
    cases += oversize_cases(rng, 50_000, 54)
    cases += auth_cases(rng, 60_000, 300)
    cases += route_cases(rng, 70_000, 300)
    rng.shuffle(cases)
    for index, case in enumerate(cases):
        case.index = index
    return cases


@pytest.fixture(scope="module")
def fuzz_stack():
    """Its own simulator and gateway: with an API key, a 1 MiB body limit, and room for the fuzzer's workers."""
    with running_stack(
        "fuzz-stack",
        GATEWAY_API_KEYS=FUZZ_KEY,
        GATEWAY_MAX_BODY_MB=str(MAX_BODY_MB),
        GATEWAY_MAX_CONCURRENT_PER_KEY="64",
        GATEWAY_IDLE_TIMEOUT_SECONDS="20",
    ) as stack:
        yield stack


def run_cases(port: int, cases: list[Case]) -> tuple[list, float, list]:
    """Every case, WORKERS at a time, until RUN_BUDGET is spent, beside the /health probe: (case, outcome or None) pairs,
    the seconds taken, and the probe's samples."""
    probe = HealthProbe(port)
    try:
        time.sleep(0.3)  # the probe's first (warm-up) calls
        started = time.monotonic()
        stop_at = started + RUN_BUDGET

        def run(case: Case):
            if time.monotonic() > stop_at:
                return case, None
            return case, exchange(port, case)

        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = list(pool.map(run, cases))
        elapsed = time.monotonic() - started
    finally:
        samples = probe.stop()
    return results, elapsed, samples


def write_report(tally: Tally, elapsed: float, samples: list) -> None:
    out = os.environ.get("CLIENT_SUITE_TMP")
    if out:
        path = os.path.join(out, "fuzz-stack", "fuzz-report.json")
        with open(path, "w") as file:
            json.dump({"seed": SEED, "elapsed": elapsed, "health": samples, "cases": tally.report}, file, indent=1)
        print(f"fuzz: the full report is in {path}")


def test_fuzz_bad_requests(fuzz_stack):
    port = urlsplit(fuzz_stack.base_url).port
    cases = build_cases(SEED)
    assert len(cases) >= 2000
    assert {case.kind for case in cases} == set(KINDS)

    results, elapsed, samples = run_cases(port, cases)
    tally, health = Tally.of(results), Health(samples)
    first_line = (f"fuzz: seed {SEED}, {sum(c['cases'] for c in tally.per_kind.values())} requests in {elapsed:.1f} s with {WORKERS} workers"
                  + (f", {tally.not_run} NOT RUN (budget of {RUN_BUDGET:.0f} s spent)" if tally.not_run else ""))
    summary, headline = tally.summary(first_line, health)
    print(summary)
    write_report(tally, elapsed, samples)

    fuzz_stack.assert_gateway_alive()
    verdicts = []
    if tally.not_run:
        verdicts.append(f"{tally.not_run} cases not run within the {RUN_BUDGET:.0f} s budget")
    if elapsed >= 120:
        verdicts.append(f"the run took {elapsed:.1f} s (limit 120 s)")
    if tally.failures:
        verdicts.append(f"{tally.failed_requests} requests handled wrongly")
    if health.errors:
        verdicts.append(f"{len(health.errors)} /health probes failed, e.g. {health.errors[0]}")
    if health.slow:
        verdicts.append(f"{len(health.slow)} /health probes took {HEALTH_LIMIT * 1000:.0f} ms or more (slowest {health.slow[0][1] * 1000:.0f} ms)")
    if len(samples) < 10:
        verdicts.append(f"only {len(samples)} /health probes ran")
    if verdicts:
        pytest.fail("; ".join(verdicts) + "\n" + headline, pytrace=False)
