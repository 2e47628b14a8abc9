"""What the seeded fuzz tests (`test_fuzz.py`) and the bench's fuzz soak (`bench/fuzz_soak.py`) share.

- `dialects`: the APIs the cases are aimed at (Chat Completions, Responses, Messages, count_tokens), each
  described once: its route, credentials, a valid body and its places, its error shape;
- `case`, `mutate`: a case and the bytes of a request; a valid body changed at a path;
- `body_cases`, `chat_cases`, `wire_cases`, `route_cases`: the generators, by kind; `cases`: all of a dialect's;
- `errors`: the error bodies each shape must have (OpenAI's and Anthropic's);
- `send`: sending a case as raw bytes on a socket (`exchange`);
- `judge`: what a case's outcome says about the gateway, the /health probe, and the summary.

Standard library only, so the bench can import it without the client suite's virtual environment.
"""
