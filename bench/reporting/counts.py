"""Upstream calls: counted from nginx's access log or the simulator's request log, and checked."""

import json
import sys


def classify(path):
    path = path.split("?")[0]
    if path.endswith("/chatOverStream"):
        return "stream"
    if path.endswith("/chat"):
        return "chat"
    if path.rstrip("/").endswith("/beta/copilot/conversations"):
        return "create"
    return None


def count(paths):
    counts = {"create": 0, "chat": 0, "stream": 0}
    for path in paths:
        kind = classify(path)
        if kind:
            counts[kind] += 1
    return counts


def count_log():
    paths = (line.split()[1] for line in sys.stdin if len(line.split()) >= 2)
    print(json.dumps(count(paths)))


def count_sim():
    text = sys.stdin.read()
    records = json.loads(text) if text.strip() else []
    if isinstance(records, dict):
        records = records.get("requests", [])
    print(json.dumps(count(record.get("path", "") for record in records if record.get("method") == "POST")))


def calls_problem(record):
    """Why the upstream calls of a phase (ours or stack-floor's) are not those of its turns, or None.

    A first turn makes 1 create and 1 chat (or chatOverStream) call, a continuing turn only the chat:
    between the phase's responses and those plus the requests wrk left in flight when it stopped (at
    most its concurrency). A continuing turn that created a conversation did not continue one."""
    if record.get("side") == "original" or "upstream_calls" not in record:
        return None
    calls, responses = record["upstream_calls"], record["wrk"]["responses"]
    chats = calls["chat"] + calls["stream"]
    most = responses + record["concurrency"]
    if record["call"] == "continue":
        expected = (0, 0)
    else:
        expected = (responses, most)
    problems = []
    if not expected[0] <= calls["create"] <= expected[1]:
        problems.append("%d create calls" % calls["create"])
    if not responses <= chats <= most:
        problems.append("%d chat calls" % chats)
    if not problems:
        return None
    return "%s for %d %s turns (expected %s create and %d to %d chat calls)" % (
        " and ".join(problems), responses, "continuing" if record["call"] == "continue" else "first",
        "no" if record["call"] == "continue" else "%d to %d" % expected, responses, most)


def check_calls(text):
    """run.sh's check after a phase: the phase's JSON record in TEXT; prints the problem, if any."""
    problem = calls_problem(json.loads(text))
    if problem:
        print(problem)
