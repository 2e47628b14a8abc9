"""Which schema of which document applies to an answer of the gateway: `Rules.route` finds the dialect and the
documents' entries for a request, `Rules.expect` what its answer of a status and content type must be.

The schema comes from the documents' own `paths` entries (operation -> responses -> status, `4XX` or
`default` -> content -> schema) wherever they declare one; the dialect's error schema where they do not.
Paths come with or without the `/v1` prefix. Chat Completions, Responses, embeddings, images and unknown
paths speak OpenAI's dialect; the paths only Anthropic's document has (`/v1/messages...`) Anthropic's; the
paths both have (`/v1/models...`) and unknown ones speak Anthropic's when the request has `anthropic-version`.
"""

import dataclasses
import functools
from urllib.parse import parse_qs, urlsplit

from contracts import superset
from contracts.contract import SCHEMAS, Contract

# The gateway's own paths, which no document describes: never checked.
NOT_API = {"/health", "/healthz", "/readyz", "/metrics", "/login"}
NOT_API_PREFIXES = ("/_sim/",)
STREAMS = {"/chat/completions": "chat", "/responses": "responses", "/messages": "messages"}
# Open Responses defines no retrieval: GET /responses/{id} answers the resource POST /responses made.
ALIASES = {("get", "/responses/{response_id}"): {"200": {"content": {"application/json": {"schema": {"$ref": f"{SCHEMAS}ResponseResource"}}}}}}


@dataclasses.dataclass(frozen=True)
class Route:
    dialect: str  # "openai" or "anthropic": its error shape
    endpoint: str  # the method and the documents' path template, e.g. "GET /v1/responses/{response_id}"
    operations: tuple  # (document name, its `responses` object) for the request; the first that declares a status wins
    stream: str | None  # the kind of stream its event streams are: "chat", "responses", "messages"
    beta: bool  # Anthropic's `?beta=true` variant (Claude Code's), with its Beta... schemas


@dataclasses.dataclass(frozen=True)
class Expect:
    document: str | None = None  # the document the schema is in
    schema: str | None = None  # the schema a JSON body (or each streamed event, for a "generic" stream) must match
    stream: str | None = None  # for an event stream: its kind ("chat", "responses", "messages", "generic")
    problem: str | None = None  # what is wrong with an answer of this status and content type as such


class Paths:
    """A document's path templates; the most literal match wins (`/responses/compact` over `/responses/{response_id}`)."""

    def __init__(self, document: dict):
        self.entries = []
        for key, item in document.get("paths", {}).items():
            path, _, query = key.partition("?")
            segments = tuple(part for part in path.split("/") if part)
            self.entries.append((segments, query == "beta=true", path, item))

    def find(self, path: str, beta: bool = False):
        """(template, path item) for `path`, the `?beta=true` variant preferred when `beta`; None if none matches."""
        segments = [part for part in path.split("/") if part]
        matches = [(sum(p.startswith("{") for p in pattern), variant != beta, template, item)
                   for pattern, variant, template, item in self.entries
                   if len(pattern) == len(segments) and all(p.startswith("{") or p == s for p, s in zip(pattern, segments))]
        if not matches:
            return None
        _, _, template, item = min(matches, key=lambda match: match[:2])
        return template, item


class Rules:
    def __init__(self, contracts: dict[str, Contract]):
        self.contracts = contracts
        self.paths = {name: Paths(contract.document) for name, contract in contracts.items()}

    def route(self, method: str, target: str, headers: dict) -> Route | None:
        """The request's route, or None for the gateway's own paths."""
        return self._route(method, target, "anthropic-version" in headers)

    @functools.lru_cache(maxsize=4096)
    def _route(self, method: str, target: str, versioned: bool) -> Route | None:
        if not is_api(target):
            return None
        path, query = split_target(target)
        segments = [segment for segment in path.split("/") if segment]  # the gateway ignores empty segments too
        rest = "/" + "/".join(segments[1:] if segments[:1] == ["v1"] else segments)
        beta = "true" in parse_qs(query).get("beta", [])
        openai = [(name, found) for name in ("open-responses", "openai") if (found := self.paths[name].find(rest))]
        anthropic = self.paths["anthropic"].find("/v1" + rest, beta)
        if bool(anthropic) != bool(openai):  # a path only one dialect's documents have
            dialect = "anthropic" if anthropic else "openai"
        else:  # the paths both have (/v1/models...), and unknown ones
            dialect = "anthropic" if versioned else "openai"
        if dialect == "anthropic":
            found, template = ([("anthropic", anthropic)], anthropic[0]) if anthropic else ([], None)
        else:
            found, template = openai, ("/v1" + openai[0][1][0] if openai else None)
        verb = method.lower()
        operations = [(name, item[verb].get("responses", {})) for name, (_, item) in found if isinstance(item.get(verb), dict)]
        alias = ALIASES.get((verb, template.removeprefix("/v1"))) if template and dialect == "openai" else None
        if alias:  # before the OpenAI document's entry
            operations.insert(sum(name == "open-responses" for name, _ in operations), ("open-responses", alias))
        beta = beta and dialect == "anthropic"
        stream = STREAMS.get(rest) if verb == "post" else None
        endpoint = f"{method.upper()} {template or '(unknown path)'}" + ("?beta=true" if beta else "")
        return Route(dialect, endpoint, tuple(operations), stream, beta)

    def expect(self, route: Route, status: int, media_type: str) -> Expect:
        """What an answer of `status` with a body of `media_type` (lowercase, no parameters) must be."""
        if status < 200 or 300 <= status < 400:
            return Expect()  # interim answers and redirects have no body to check
        declared = self._declared(route, status)
        if status >= 400:
            if media_type != "application/json":
                return Expect(problem=f"an error answer must be application/json, not {media_type or 'without a Content-Type'}")
            document, schema = self.error_schema(route)
            if declared:
                name = _schema_name((declared[1].get("content") or {}).get("application/json", {}))
                if name:
                    # OpenAI's document declares its inner `Error` object for a few 404s; the API wraps it like every error.
                    document, schema = declared[0], "ErrorResponse" if (declared[0], name) == ("openai", "Error") else name
            return Expect(document, schema)
        if not declared:
            return Expect()  # no document says what this answer carries
        document, response = declared
        content = response.get("content") or {}
        if media_type == "text/event-stream" and route.stream and ("text/event-stream" in content or route.stream == "messages"):
            # Anthropic's document describes the events (MessageStreamEvent) but declares no event stream for /v1/messages.
            return Expect(document, _schema_name(content.get("text/event-stream", {})), stream=route.stream)
        if not content:
            return Expect()  # declared without a body
        if media_type not in content:
            return Expect(problem=f"{status} answers are declared as {', '.join(content)}, not {media_type or 'without a Content-Type'}")
        name = _schema_name(content[media_type])
        if media_type == "text/event-stream":
            return Expect(document, name, stream="generic")
        return Expect(document, name)

    def error_schema(self, route: Route) -> tuple[str, str]:
        """The dialect's error body, where no document's entry declares one."""
        if route.dialect == "anthropic":
            return "anthropic", "BetaErrorResponse" if route.beta else "ErrorResponse"
        return "openai", "ErrorResponse"

    @functools.cache
    def event_schemas(self, document: str, union: str) -> dict[str, str]:
        """The members of a union (of events, items, tools...: a schema name, or a JSON pointer to an inline
        oneOf/anyOf), by their `type`."""
        contract = self.contracts[document]
        schema = contract.schemas[union] if not union.startswith("/") else _pointer(contract.document, union)
        members = {}
        for option in schema.get("oneOf") or schema.get("anyOf") or []:
            name = _schema_name({"schema": option})
            kind = (contract.schemas.get(name, {}).get("properties", {}).get("type") or {}) if name else {}
            for value in [kind["const"]] if "const" in kind else kind.get("enum", []):
                members.setdefault(value, name)
        return members

    def problems(self, document: str, schema: str, value) -> list:
        """Every problem of `value` against `schema` of `document`; a Responses answer's elements that only OpenAI's
        document defines are validated against its schemas (the rule of contracts.superset)."""
        return superset.problems(self, document, schema, value)

    def _declared(self, route: Route, status: int):
        for document, responses in route.operations:
            for key in (str(status), f"{status // 100}XX", "default"):
                if key in responses:
                    return document, responses[key]
        return None


def _pointer(document: dict, pointer: str):
    node = document
    for token in pointer.split("/")[1:]:
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _schema_name(media: dict) -> str | None:
    ref = (media.get("schema") or {}).get("$ref", "")
    return ref[len(SCHEMAS):] if ref.startswith(SCHEMAS) else None


def media_type(headers: dict) -> str:
    """The Content-Type's media type, lowercase, without parameters ("" when there is none)."""
    return headers.get("content-type", "").split(";")[0].strip().lower()


def split_target(target: str) -> tuple[str, str]:
    """(path, query) of a request's target: origin-form (a leading // names no host there) or absolute-form."""
    if target.startswith("/"):
        path, _, query = target.partition("?")
        return path, query
    parts = urlsplit(target)
    return parts.path or "/", parts.query


def is_api(target: str) -> bool:
    """Whether a contract may apply: not the gateway's own paths, nor a target without a path (CONNECT's, `*`)."""
    if not target.startswith("/") and "://" not in target:
        return False
    path = split_target(target)[0]
    return "/" + "/".join(segment for segment in path.split("/") if segment) not in NOT_API and not path.startswith(NOT_API_PREFIXES)


def load_rules() -> Rules:
    """The rules over the three documents (fetched on first use)."""
    from contracts import specs

    return Rules({name: Contract(name, specs.load(name)) for name in specs.DOCUMENTS})
