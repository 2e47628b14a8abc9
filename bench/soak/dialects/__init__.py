"""The gateway's three API dialects, each in its own module: the requests a client of it sends, and what a
whole answer, a stream and an error must look like in it. Each has `request`, `whole`, `stream` and `error`."""

from soak.dialects.anthropic import AnthropicDialect
from soak.dialects.chat import ChatDialect
from soak.dialects.responses import ResponsesDialect

DIALECTS = {d.name: d for d in (ChatDialect(), ResponsesDialect(), AnthropicDialect())}
