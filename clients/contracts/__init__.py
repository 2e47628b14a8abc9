"""The gateway's answers checked against the published API documents (OpenAI, Open Responses, Anthropic).

- specs: fetches the documents from PyPI once and caches them, parsed, in clients/.specs/;
- contract: one document as a validator (`Contract.validate(schema_name, instance)`);
- rules: which schema of which document applies to which answer;
- superset: the one rule by which the Responses elements only OpenAI's document defines (custom tools, custom
  tool calls and their events, a json_schema text format...) are validated against it, the rest against Open Responses;
- streams: the checks of a streamed answer's events and of their order;
- answers: one answer checked whole (`AnswerCheck`), from whatever carried it;
- wire: HTTP/1.1 and server-sent events read from copies of the bytes;
- tap: the wire tap, a transparent TCP proxy in its own process, which checks what it forwards;
- taps: starting and stopping taps from the tests, and fetching what they found;
- plugin: the pytest side (a test fails on its traffic's violations; the run's summary);
- report: violations as text.
"""
