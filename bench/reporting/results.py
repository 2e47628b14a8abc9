"""run.sh's JSON lines, loaded, and the figures the tables compute from them."""

import json

# The API dialects, in the order their rows are shown, and their names in the tables.
DIALECTS = ("chat", "responses", "messages")
DIALECT_LABELS = {"chat": "Chat Completions", "responses": "Responses", "messages": "Messages"}


def dialect_of(record):
    """A record's API dialect; records of runs before run.sh drove other dialects are Chat Completions."""
    return record.get("dialect", "chat")


class Results:
    def __init__(self, path):
        with open(path, encoding="utf-8") as handle:
            self.records = [json.loads(line) for line in handle if line.strip()]
        self.info = {}
        for record in self.records:
            if record["kind"] == "info":
                self.info.update({key: value for key, value in record.items() if key != "kind"})

    def phase(self, upstream, side, call, concurrency, stream=None, dialect="chat"):
        """A phase's record. `dialect` picks among our gateway's phases; the direct, original and
        stack-floor phases have none (they count as Chat Completions, which they are or stand for)."""
        for record in self.records:
            if (record["kind"] == "phase" and record["upstream"] == upstream and record["side"] == side
                    and record["call"] == call and record["concurrency"] == concurrency
                    and (stream is None or record.get("stream") == stream) and dialect_of(record) == dialect):
                return record
        return None

    def phases(self, side=None):
        return [record for record in self.records
                if record["kind"] == "phase" and (side is None or record["side"] == side)]

    def dialects(self, upstream):
        """The dialects of our gateway's phases on this upstream, in table order."""
        found = {dialect_of(record) for record in self.phases("gateway") if record["upstream"] == upstream}
        return [name for name in DIALECTS if name in found]

    def rss(self, upstream, when):
        for record in self.records:
            if record["kind"] == "rss" and record["upstream"] == upstream and record["when"] == when:
                return record
        return None

    def streams(self):
        return next((record for record in self.records if record["kind"] == "streams"), None)

    def scale(self, server, snapshots, length, dialect="chat"):
        for record in self.records:
            if (record["kind"] == "scale" and record["server"] == server and record["snapshots"] == snapshots
                    and record["length"] == length and dialect_of(record) == dialect):
                return record["result"]
        return None

    def scale_rows(self):
        """(snapshots, length) of every row of part (c), in the order measured."""
        rows = []
        for record in self.records:
            if record["kind"] == "scale" and (record["snapshots"], record["length"]) not in rows:
                rows.append((record["snapshots"], record["length"]))
        return rows

    def scale_dialects(self):
        """The dialects of our gateway's rows in part (c), in table order."""
        found = {dialect_of(record) for record in self.records if record["kind"] == "scale" and record["server"] == "ours"}
        return [name for name in DIALECTS if name in found]

    def paced(self):
        return next((record for record in self.records if record["kind"] == "paced"), None)

    def original_rss(self, when):
        return next((record for record in self.records
                     if record["kind"] == "original_rss" and record["when"] == when), None)

    def upstreams(self):
        return [name for name in ("nginx", "sim") if any(
            record["kind"] == "phase" and record["upstream"] == name for record in self.records)]


# --- figures ----------------------------------------------------------------------------------------

def rate(wrk):
    return wrk["responses"] / (wrk["elapsed_us"] / 1e6) if wrk["elapsed_us"] else 0.0


def pair_rate(first, second):
    """Requests per second of a call pair done one after the other on each connection."""
    a, b = rate(first), rate(second)
    return 1.0 / (1.0 / a + 1.0 / b) if a and b else 0.0


def cpu_per_1000(record, key="cpu_ticks"):
    seconds = record[key] / record["clk_tck"]
    return seconds / record["wrk"]["responses"] * 1000 if record["wrk"]["responses"] else 0.0


def calls_per_request(record):
    """"create + chat" upstream calls per response of a phase."""
    wrk, calls = record["wrk"], record["upstream_calls"]
    if not wrk["responses"]:
        return "-"
    return "%.3f + %.3f" % (calls["create"] / wrk["responses"], (calls["chat"] + calls["stream"]) / wrk["responses"])


def wrk_errors(wrk):
    return wrk["bad"] + wrk["status_errors"] + wrk["timeouts"] + wrk["connect_errors"] + wrk["read_errors"]


def per_request_ms(result, key):
    return result[key] / 1e6 / result["requests"] if result and result["requests"] else None


def ratio(numerator, denominator):
    return numerator / denominator if numerator is not None and denominator else None


# --- cells ------------------------------------------------------------------------------------------

def ms(microseconds):
    return "%.3f" % (microseconds / 1000.0)


def added(gateway, direct):
    return "%+.3f" % ((gateway - direct) / 1000.0)


def mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


def times(value):
    if value is None:
        return "-"
    return ("%.0f×" if value >= 10 else "%.1f×" if value >= 1 else "%.2f×") % value


def cell(value, fmt="%.2f"):
    return "-" if value is None else fmt % value


def cpu_cell(record):
    return "%.3f (%.3f + %.3f)" % (
        cpu_per_1000(record), cpu_per_1000(record, "user_ticks"), cpu_per_1000(record, "system_ticks"))
