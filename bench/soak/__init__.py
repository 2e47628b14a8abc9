"""The soak of bench/soak.py (see bench/SOAK.md), by job:

- `options`: the command line; `processes`: the simulator and gateway processes and their samples;
- `client`: a minimal HTTP/1.1 client on asyncio streams;
- `dialects`: Chat Completions, Responses and Anthropic Messages: requests, and the checks of answers;
- `scenarios`: the simulated clients' sessions; `attempts`: one request; `faults`: the injected faults;
- `history`: the conversation-isolation and continuity checks; `analysis`: the verdict and report;
- `main`: the run from start to end.
"""
