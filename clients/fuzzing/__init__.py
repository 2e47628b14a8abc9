"""What the seeded fuzz tests share.

- `mutate`: odd values at every path of a valid body, deep nesting, cut and corrupted bodies;
- `errors`: the error bodies each dialect must answer with (OpenAI's and Anthropic's);
- `send`: sending them, through urllib (`post_all`) or as raw bytes on a socket (`exchange`);
- `case`, `body_cases`, `wire_cases`: the bad Chat Completions requests of `test_fuzz.py`, by kind;
- `judge`: what a case's outcome says about the gateway, the /health probe, and the summary.
"""
