"""The pytest side of the contract checks (loaded by conftest.py): a test fails when the traffic of its setup
and its call broke a contract, with the violations listed. At the session's end every violation of the
run, each with its test, is written to $CLIENT_SUITE_TMP/contract-violations.json, and a summary, grouped,
is printed. Violations found between tests (an answer still streaming after its test ended, a fixture's
teardown) are the previous test's, "after it ended", and fail the session."""

import json
import os
import tempfile
from pathlib import Path

import pytest

from contracts import taps
from contracts.report import describe, group_lines

MAX_LISTED = 20
FOUND: list[dict] = []  # every violation of the session, with its "test"
AFTER = " (after it ended)"
last_test = "(before the first test)"


def claim(test: str) -> list[dict]:
    """What the taps found since the last claim, now the test's."""
    for tap in list(taps.RUNNING):
        tap.sync()
    found = [dict(violation, test=test) for tap in taps.RUNNING + taps.STOPPED for violation in tap.unclaimed()]
    taps.STOPPED.clear()
    FOUND.extend(found)
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    global last_test
    claim(last_test + AFTER)
    last_test = item.nodeid
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        result = yield
    except BaseException:
        found = claim(item.nodeid)
        if found:
            item.add_report_section("call", "contract violations", describe(found, MAX_LISTED))
        raise
    found = claim(item.nodeid)
    if found:
        pytest.fail(describe(found, MAX_LISTED), pytrace=False)
    return result


def report_path() -> Path:
    return Path(os.environ.get("CLIENT_SUITE_TMP") or tempfile.gettempdir()) / "contract-violations.json"


def pytest_sessionfinish(session, exitstatus):
    claim(last_test + AFTER)
    if not FOUND and not taps.STARTED:
        return
    report_path().write_text(json.dumps(FOUND, indent=1))
    if any(violation["test"].endswith(AFTER) for violation in FOUND) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if not FOUND and not taps.STARTED:
        return
    tests = len({violation["test"] for violation in FOUND})
    lines = group_lines(FOUND)
    terminalreporter.section("contract violations")
    terminalreporter.line(f"{len(FOUND)} violations in {tests} tests' traffic ({taps.STARTED} wire taps), "
                          f"{len(lines)} distinct; all of them: {report_path()}")
    late = sum(violation["test"].endswith(AFTER) for violation in FOUND)
    if late:
        terminalreporter.line(f"{late} of them came after their test had ended: the session fails")
    for line in lines[:60]:
        terminalreporter.line(line)
    if len(lines) > 60:
        terminalreporter.line(f"... and {len(lines) - 60} more kinds (python -m contracts.report {report_path()})")
