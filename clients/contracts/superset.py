"""The one rule by which a Responses answer is checked against two documents.

The gateway's Responses API is OpenAI's, a superset of Open Responses: Codex sends `custom` (apply_patch) and
`web_search` tools, gets `custom_tool_call` items and `response.custom_tool_call_input.*` events back, and
may force a custom tool with `tool_choice`. When an answer (or an event) is validated against Open Responses,
these elements are validated against the schema OpenAI's document has for them at that place instead:

1. a `tools` entry whose type Open Responses' `Tool` union lacks (it holds only `function`), e.g. `custom`,
   `web_search`, `web_search_preview`: OpenAI's `Tool` member of that type (CustomToolParam, WebSearchTool,
   WebSearchPreviewTool...);
2. an output item whose type Open Responses' `ItemField` union lacks (message, function_call,
   function_call_output, reasoning, compaction), e.g. `custom_tool_call`: in a response's `output` and the
   `item` of response.output_item.added/.done, OpenAI's `OutputItem` member of that type (CustomToolCall...);
   in a compaction's `output`, OpenAI's `ItemField` member;
3. a `tool_choice` object whose type Open Responses lacks (it has function and allowed_tools), e.g.
   `{"type": "custom", "name": ...}`: OpenAI's `ToolChoiceParam` member (ToolChoiceCustom);
4. `text.format` when its type is `json_schema`: Open Responses' JsonSchemaResponseFormat allows only null as
   its `schema` (`anyOf: [{type: null}]`), a defect of that document (its own request body,
   JsonSchemaResponseFormatParam, takes an object), so every echoed JSON schema would fail: OpenAI's
   TextResponseFormatJsonSchema;
5. a streaming event whose type Open Responses lacks (response.custom_tool_call_input.delta/.done,
   response.web_search_call.*...): OpenAI's `ResponseStreamEvent` member of that type (`event_schema`).

The unions' members are read from the documents, not listed here. An element of a type neither document
has is validated against OpenAI's union, which reports it. Nothing is skipped: each element is validated
against OpenAI's schema, its problems reported at their place in the answer, named by OpenAI's schemas, and
it is removed from Open Responses' verdict, which the rest of the answer gets as before. It is removed by
setting aside every problem Open Responses finds at or under its path rather than by deleting it from a copy:
deleting would renumber the other entries of its array and make a required member (tool_choice, text's
format) missing; setting aside gives the rest of the answer exactly the verdict it would get without it.
"""

import functools

OPEN, OPENAI = "open-responses", "openai"
RESPONSE_EVENTS = "/paths/~1responses/post/responses/200/content/text~1event-stream/schema"
TOOL_CHOICE = "/components/schemas/ResponseResource/properties/tool_choice"
# The Open Responses schemas that hold the elements above: a response, a compaction, an output item.
HOLDERS = ("ResponseResource", "CompactResource", "ItemField")


def problems(rules, document: str, schema: str, value) -> list:
    """Every problem of `value` against `schema` of `document`, by the rule above when that is Open Responses."""
    found = rules.contracts[document].problems(schema, value)
    if document != OPEN:
        return found
    elements = list(openai_elements(rules, schema, value))
    found = [problem for problem in found if not any(problem.path[:len(at)] == at for at, _ in elements)]
    for at, name in elements:
        for problem in rules.contracts[OPENAI].problems(name, _at(value, at), at):
            if problem not in found:
                found.append(problem)
    return found


def event_schema(rules, kind) -> tuple[str, str] | None:
    """(document, schema) of a Responses streaming event of type `kind`: Open Responses' (the event stream
    POST /responses declares), else OpenAI's (case 5); None when neither document has it."""
    for document, union in ((OPEN, RESPONSE_EVENTS), (OPENAI, "ResponseStreamEvent")):
        name = rules.event_schemas(document, union).get(kind)
        if name:
            return document, name
    return None


def openai_elements(rules, schema: str, value):
    """(path, OpenAI schema) of each element of `value` (an instance of Open Responses' `schema`) that cases 1-4 take."""
    for key, holder in _holders(rules.contracts[OPEN], schema):
        at = (key,) if key else ()
        held = value if not key else value.get(key) if isinstance(value, dict) else None
        if holder == "ItemField":
            yield from _foreign(rules, held, at, "ItemField", "OutputItem")
        elif isinstance(held, dict):
            items = "ItemField" if holder == "CompactResource" else "OutputItem"
            for index, item in _entries(held.get("output")):
                yield from _foreign(rules, item, (*at, "output", index), "ItemField", items)
            if holder == "ResponseResource":
                for index, tool in _entries(held.get("tools")):
                    yield from _foreign(rules, tool, (*at, "tools", index), "Tool", "Tool")
                yield from _foreign(rules, held.get("tool_choice"), (*at, "tool_choice"), TOOL_CHOICE, "ToolChoiceParam")
                text = held.get("text")
                if isinstance(text, dict) and isinstance(text.get("format"), dict) and text["format"].get("type") == "json_schema":
                    yield (*at, "text", "format"), "TextResponseFormatJsonSchema"


def _foreign(rules, element, at: tuple, open_union: str, openai_union: str):
    """The element, with its OpenAI schema, when it is an object whose `type` Open Responses' union lacks."""
    kind = element.get("type") if isinstance(element, dict) else None
    if isinstance(kind, str) and kind not in rules.event_schemas(OPEN, open_union):
        yield at, rules.event_schemas(OPENAI, openai_union).get(kind, openai_union)


@functools.cache
def _holders(contract, schema: str) -> tuple:
    """(property or None, holder) for each holder `schema` is, or has as a property (an event's `response`, `item`)."""
    if schema in HOLDERS:
        return ((None, schema),)
    properties = contract.schemas.get(schema, {}).get("properties", {})
    return tuple((key, name) for key, sub in properties.items() for name in HOLDERS if name in _refs(sub))


def _refs(node) -> set:
    """The schema names a schema refers to, without following the references."""
    if isinstance(node, list):
        return set().union(*map(_refs, node))
    if not isinstance(node, dict):
        return set()
    ref = node.get("$ref", "")
    return {ref.rsplit("/", 1)[-1]} if ref else set().union(*map(_refs, node.values()))


def _entries(array):
    return enumerate(array) if isinstance(array, list) else ()


def _at(value, path: tuple):
    for key in path:
        value = value[key]
    return value
