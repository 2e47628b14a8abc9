"""The wire tap's checking process. It takes what the tap read off the wire from a queue, in order, checks each
answer (contracts.answers), and answers `sync` (and `stop`) on a pipe with the violations found since the last
answer. It runs at a lower priority than the gateway and the tests: under load it lags behind, and a sync waits
for it, rather than slowing them down.

The queue's items: ("answer", key, method, target, request headers, status, headers) first, then
("body", key, bytes), ("event", key, name, data) or ("wire", key, message), and ("end", key, how) last.
"""

import os
import time
import traceback

from contracts.answers import AnswerCheck
from contracts.rules import load_rules


def run(work, results) -> None:
    os.nice(10)
    rules = load_rules()
    checks: dict[int, AnswerCheck] = {}
    violations: list[dict] = []
    reported, cpu = 0, 0.0
    while True:
        kind, key, *rest = work.get()
        if kind in ("sync", "stop"):
            results.send((violations[reported:], cpu))
            reported = len(violations)
            if kind == "stop":
                return
            continue
        started = time.process_time()
        try:
            if kind == "answer":
                checks[key] = AnswerCheck(rules, *rest, violations=violations)
                checks[key].start()
            elif key in checks:
                check = checks.pop(key) if kind == "end" else checks[key]
                {"body": check.body, "event": check.event, "wire": check.wire_problem, "end": check.end}[kind](*rest)
        except Exception as error:  # a bug of the checks: shown as a violation, so that it is not missed
            traceback.print_exc()
            checks.pop(key, None)
            violations.append({"where": "(checker)", "message": f"the contract checker failed: {error!r}"})
        cpu += time.process_time() - started
