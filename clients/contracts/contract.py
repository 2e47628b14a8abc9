"""One OpenAPI document as a validator: `Contract.validate(schema_name, instance)` checks an instance against
`#/components/schemas/<schema_name>` with JSON Schema draft 2020-12 (the dialect of OpenAPI 3.1), every
`$ref` resolved inside the document, and names where each problem is."""

import collections
import dataclasses
import re

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMAS = "#/components/schemas/"


@dataclasses.dataclass(frozen=True)
class Problem:
    where: str  # the object path in the instance, e.g. choices[0].message.refusal
    message: str
    schema: str  # the innermost named schema the problem is in
    document: str = ""  # the document that schema is in
    path: tuple = dataclasses.field(default=(), compare=False)  # the instance path of `where` (keys and indices)

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [{self.schema}]"


class Contract:
    def __init__(self, name: str, document: dict):
        self.name = name
        self.document = honour_nullable(document)
        self.schemas: dict = self.document["components"]["schemas"]
        self.uri = f"urn:contracts:{name}"
        self._registry = Registry().with_resource(self.uri, Resource(contents=self.document, specification=DRAFT202012))
        self._validators: dict[str, Draft202012Validator] = {}

    def has(self, schema_name: str) -> bool:
        return schema_name in self.schemas

    def validate(self, schema_name: str, instance) -> list[str]:
        """Every problem of `instance` as `path: message [schema]`; empty when it is valid."""
        return [str(problem) for problem in self.problems(schema_name, instance)]

    def problems(self, schema_name: str, instance, at: tuple = ()) -> list[Problem]:
        """The problems of `instance`; `at` is where the instance is inside a larger one (its paths start there)."""
        found = []
        for error in self._validator(schema_name).iter_errors(instance):
            for leaf in _leaves(error):
                path = (*at, *leaf.absolute_path)
                problem = Problem(_where(leaf, path), _message(leaf), self._innermost(schema_name, leaf.absolute_schema_path), self.name, path)
                if problem not in found:
                    found.append(problem)
        return found

    def _validator(self, schema_name: str) -> Draft202012Validator:
        validator = self._validators.get(schema_name)
        if validator is None:
            if schema_name not in self.schemas:
                raise KeyError(f"the {self.name} document has no schema {schema_name!r}")
            validator = Draft202012Validator({"$ref": f"{self.uri}{SCHEMAS}{schema_name}"}, registry=self._registry)
            self._validators[schema_name] = validator
        return validator

    def _innermost(self, schema_name: str, schema_path) -> str:
        """The last named schema (`#/components/schemas/X`) on the failing keyword's schema path (which does not
        show the `$ref`s it went through: a token a node lacks is looked for where the node's `$ref` points)."""
        name, node = schema_name, self.schemas[schema_name]
        for token in schema_path:
            while isinstance(node, dict) and token not in node and str(node.get("$ref", "")).startswith(SCHEMAS):
                name = node["$ref"][len(SCHEMAS):]
                node = self.schemas[name]
            try:
                node = node[token]
            except (KeyError, IndexError, TypeError):
                break
        return name


def honour_nullable(node):
    """These OpenAPI 3.1 documents still say `nullable: true` (OpenAPI 3.0's way to allow null, which plain JSON
    Schema ignores) where their APIs send null, e.g. every streamed chunk's `finish_reason`: read it as meant."""
    if isinstance(node, list):
        return [honour_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: honour_nullable(value) for key, value in node.items()}
    if node.pop("nullable", False) is not True:
        return node
    if isinstance(node.get("type"), str) and "$ref" not in node and "allOf" not in node:
        node["type"] = [node["type"], "null"]
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        return node
    return {"anyOf": [node, {"type": "null"}]}


def _leaves(error):
    """The errors worth reporting: for a failed oneOf/anyOf, the errors inside the one alternative that fits the
    instance (its type, and its `type` discriminator property), else the failure of the union itself."""
    if not error.context:
        yield error
        return
    branches = collections.defaultdict(list)
    for sub in error.context:
        branches[sub.relative_schema_path[0]].append(sub)
    discriminator = (error.schema.get("discriminator") or {}).get("propertyName", "type") if isinstance(error.schema, dict) else "type"
    fitting = [subs for subs in branches.values() if not any(_rules_out(sub, discriminator) for sub in subs)]
    if len(fitting) == 1:
        for sub in fitting[0]:
            yield from _leaves(sub)
    else:
        yield error


def _rules_out(sub, discriminator: str) -> bool:
    """Whether an error inside an alternative shows that the alternative is not meant for the instance at all."""
    path = list(sub.relative_path)
    if not path:
        return sub.validator in ("type", "const", "enum")
    return path == [discriminator] and sub.validator in ("const", "enum", "type")


def _where(error, path: tuple) -> str:
    path = list(path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance and repr(name) in error.message]
        path += missing[:1]
    text = ""
    for token in path:
        if isinstance(token, int):
            text += f"[{token}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
            text += f".{token}" if text else token
        else:
            text += f"[{token!r}]"
    return text or "(top level)"


def _message(error) -> str:
    message = _union_message(error) or error.message
    shown = repr(error.instance)
    if len(shown) > 80 and shown in message:
        message = message.replace(shown, _short(error.instance))
    return message if len(message) <= 300 else message[:297] + "…"


def _union_message(error) -> str | None:
    """For a union none of whose alternatives fits: the types they take, or the discriminator values they take."""
    if not error.context or not isinstance(error.schema, dict):
        return None
    branches = collections.defaultdict(list)
    for sub in error.context:
        branches[sub.relative_schema_path[0]].append(sub)
    types = []
    for subs in branches.values():
        wanted = [sub.validator_value for sub in subs if not sub.relative_path and sub.validator == "type"]
        if not wanted:
            break
        types += wanted[0] if isinstance(wanted[0], list) else [wanted[0]]
    else:
        return f"{_short(error.instance)} is not of type {', '.join(map(repr, dict.fromkeys(types)))}"
    discriminator = (error.schema.get("discriminator") or {}).get("propertyName", "type")
    allowed = []
    for sub in error.context:
        if list(sub.relative_path) == [discriminator] and sub.validator in ("const", "enum"):
            allowed += [sub.validator_value] if sub.validator == "const" else list(sub.validator_value)
    if not allowed or not isinstance(error.instance, dict) or discriminator not in error.instance:
        return None
    return f"{discriminator} {error.instance[discriminator]!r} is none of the union's: {', '.join(map(repr, sorted(set(map(str, allowed)))))}"


def _short(value) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:60] + "…" + shown[-10:]
