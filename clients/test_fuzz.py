"""A bounded, seeded fuzz test per dialect: bad requests of every kind against the real gateway binary.

For each of Chat Completions (`/v1/chat/completions`), Responses (`/v1/responses`), Anthropic Messages
(`/v1/messages`) and token counting (`/v1/messages/count_tokens`), at least 2,000 generated bad requests
(malformed JSON, wrong types at every path of a valid body, unknown kinds, missing fields, nesting over and
just under the limit, nested JSON text in strings, invalid UTF-8 and lone surrogates, invalid tool names,
HTTP framing errors on raw sockets aimed at its route, oversized bodies, credential variants in its
clients' style, wrong methods, trailing slashes, unknown paths and odd queries) go to a gateway started
with an API key and a 1 MiB body limit, eight at a time, while a separate process polls `GET /health`
every 50 ms. The test asserts, per dialect:

- the gateway process never exits (no crash) and never answers 5xx, not even where any other status is fine
  (wrong types in fields it ignores, bodies a lenient parser may take);
- every error it answers has its route's shape with a JSON content type: OpenAI's
  `{"error":{"message":str,"type":str,"param":str|null,"code":str|null}}` on the Chat Completions and
  Responses routes (also with `anthropic-version`), Anthropic's
  `{"type":"error","error":{"type":str,"message":str},"request_id":str}` (`request_id` the `request-id` header)
  on the Messages routes (also without `anthropic-version`, and for errors the HTTP parser finds before any
  routing); exactly those keys; and the status each kind expects (400, 401, 404, 413 or 429, 4xx);
- it answers every request it can frame a reply to: a silent close is tolerated (and listed) only after the
  client half-closed an unfinished request; nothing stalls (every case ends within CASE_TIMEOUT s);
- nesting over 64 levels gets a 400 within a second; nesting up to 64, and JSON text nested deep inside a
  string, is taken (200); `/health` answers throughout: all but 2 % of the probes after the first within 100 ms,
  none in 250 ms or more;
- all of it finishes in under two minutes.

Every request is built from FUZZ_SEED (fixed, so every run sends the same bytes; set FUZZ_SEED to explore), by the
generators in fuzzing/ from the dialect's description (fuzzing/dialects.py), and judged by fuzzing/judge.py.
Run them alone, with their summaries:  clients/run -s -k fuzz
The full per-case reports go to $CLIENT_SUITE_TMP/fuzz-stack/fuzz-report-<dialect>.json.
"""

import concurrent.futures
import json
import os
import time
from urllib.parse import urlsplit

import pytest

from conftest import running_stack
from fuzzing.case import FUZZ_KEY, KINDS, MAX_BODY_MB, Case
from fuzzing.cases import MIN_CASES, build_cases
from fuzzing.dialects import DIALECTS, Dialect
from fuzzing.judge import HEALTH_CEILING, HEALTH_LIMIT, HEALTH_SLOW_SHARE, Health, HealthProbe, Tally
from fuzzing.send import exchange

SEED = int(os.environ.get("FUZZ_SEED", "20240611"))
WORKERS = 8
RUN_BUDGET = 105.0  # seconds for all cases; the run stops by itself after that


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


def run_cases(port: int, health_port: int, cases: list[Case]) -> tuple[list, float, list]:
    """Every case, WORKERS at a time, until RUN_BUDGET is spent, beside the /health probe (on `health_port`): (case,
    outcome or None) pairs, the seconds taken, and the probe's samples."""
    probe = HealthProbe(health_port)
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


def write_report(dialect: Dialect, tally: Tally, elapsed: float, samples: list) -> None:
    out = os.environ.get("CLIENT_SUITE_TMP")
    if out:
        path = os.path.join(out, "fuzz-stack", f"fuzz-report-{dialect.name}.json")
        with open(path, "w") as file:
            json.dump({"dialect": dialect.name, "seed": SEED, "elapsed": elapsed, "health": samples, "cases": tally.report}, file, indent=1)
        print(f"fuzz: the full report is in {path}")


@pytest.mark.parametrize("dialect", DIALECTS.values(), ids=DIALECTS.keys())
def test_fuzz_bad_requests(fuzz_stack, dialect: Dialect):
    # The cases go through the wire tap (their answers are checked against the contracts); the /health probe goes
    # straight to the gateway, whose responsiveness it measures (the tap's Python loop copying the cases' bodies is not).
    port, health_port = urlsplit(fuzz_stack.base_url).port, urlsplit(fuzz_stack.gateway_url).port
    cases = build_cases(dialect, SEED)
    assert len(cases) >= MIN_CASES
    assert {case.kind for case in cases} == set(KINDS)

    results, elapsed, samples = run_cases(port, health_port, cases)
    tally, health = Tally.of(results), Health(samples)
    first_line = (f"fuzz {dialect.name} ({dialect.path}): seed {SEED}, {sum(c['cases'] for c in tally.per_kind.values())} requests "
                  f"in {elapsed:.1f} s with {WORKERS} workers"
                  + (f", {tally.not_run} NOT RUN (budget of {RUN_BUDGET:.0f} s spent)" if tally.not_run else ""))
    summary, headline = tally.summary(first_line, health)
    print(summary)
    write_report(dialect, tally, elapsed, samples)

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
    if health.too_slow:
        verdicts.append(
            f"{len(health.slow)} of {len(health.times)} /health probes took {HEALTH_LIMIT * 1000:.0f} ms or more (at most "
            f"{HEALTH_SLOW_SHARE:.0%} may, none {HEALTH_CEILING * 1000:.0f} ms; slowest {health.slow[0][1] * 1000:.0f} ms)")
    if len(samples) < 10:
        verdicts.append(f"only {len(samples)} /health probes ran")
    if verdicts:
        pytest.fail("; ".join(verdicts) + "\n" + headline, pytrace=False)
