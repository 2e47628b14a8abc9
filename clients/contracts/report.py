"""Violations as text: one test's (`describe`), and a whole run's, grouped (`group_lines`).
`python -m contracts.report FILE` prints the groups of a run's contract-violations.json."""

import collections
import json
import re
import sys


def schema_label(violation: dict) -> str:
    schema, within = violation.get("schema"), violation.get("within")
    return f" [{schema}{f' › {within}' if within and within != schema else ''}]" if schema else ""


def describe(found: list[dict], limit: int) -> str:
    """A test's violations, the same ones counted once, at most `limit` lines."""
    same = collections.defaultdict(list)
    for violation in found:
        key = tuple(violation.get(name) for name in ("method", "target", "status", "event_type", "where", "message", "schema", "within"))
        same[key].append(violation)
    lines = [f"{len(found)} contract violations in this test's traffic ({len(same)} distinct):"]
    for violations in list(same.values())[:limit]:
        first = violations[0]
        events = [v["event"] for v in violations if v.get("event") is not None]
        event = f", event {events[0]} ({first['event_type']})" if events else ""
        more = f" (×{len(violations)})" if len(violations) > 1 else ""
        lines.append(f"  {first.get('method')} {first.get('target')} → {first.get('status')}{event}: "
                     f"{first['where']}: {first['message']}{schema_label(first)}{more}")
    if len(same) > limit:
        lines.append(f"  ... and {len(same) - limit} more (every one: contract-violations.json in $CLIENT_SUITE_TMP)")
    return "\n".join(lines)


VALUE_FIRST = re.compile(r"^(.*?) (is not of type|is not valid under|is not one of|is too|does not match)")


def group_key(violation: dict) -> tuple:
    """Violations that differ only in indices, numbers or the offending value are of one kind."""
    where = re.sub(r"\[\d+\]", "[*]", violation["where"])
    message = re.sub(r"\d+", "#", VALUE_FIRST.sub(r"<value> \2", violation["message"]))
    return (violation.get("dialect") or "", violation.get("endpoint") or "", violation.get("event_type") or "",
            schema_label(violation), where, message)


def group_lines(found: list[dict]) -> list[str]:
    """One line per kind of violation: where, what, the statuses it came with, how many times, in how many tests."""
    groups = collections.defaultdict(list)
    for violation in found:
        groups[group_key(violation)].append(violation)
    lines = []
    for (dialect, endpoint, event_type, schema, where, message), violations in sorted(groups.items()):
        statuses = ",".join(sorted({str(v.get("status")) for v in violations}))
        tests = len({v.get("test") for v in violations})
        event = f" event {event_type}" if event_type else ""
        values = list(dict.fromkeys(match.group(1) for v in violations if (match := VALUE_FIRST.match(v["message"]))))
        example = f", e.g. {'; '.join(values[:3])}" if values else ""
        lines.append(f"{dialect} {endpoint} {statuses}{event}{schema}: {where}: {message}  (×{len(violations)}, {tests} tests{example})")
    return lines


if __name__ == "__main__":
    found = json.load(open(sys.argv[1]))
    lines = group_lines(found)
    print(f"{len(found)} violations, {len(lines)} distinct")
    print("\n".join(lines))
