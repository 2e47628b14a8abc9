#!/usr/bin/env python3
"""Mixed soak test for copilot-gateway against its own Copilot simulator, through all three of its APIs.

Starts `copilot-gateway simulate` and `copilot-gateway serve` (pointed at the simulator) as child
processes, runs many concurrent multi-turn sessions of OpenAI Chat Completions, the OpenAI Responses API
and the Anthropic Messages API (whole and streamed) for a bounded time while injecting random simulator
faults, and checks afterwards that

* every reply was well formed in its own dialect (a chat completion or its chunk stream, a Responses
  object or its event stream, an Anthropic message or its event stream; or an error in the dialect's shape),
* no request hung past the client timeout,
* every session's history stayed its own (no Copilot conversation ever saw two sessions' messages),
  continuing turns sent only the new message, and each continuing turn continued exactly the
  conversation that produced the reply the client holds,
* the gateway's RSS did not grow by more than --rss-limit percent after warm-up,
* its open file descriptors went back to the start value (plus --fd-margin) once the load stopped.

The work is in the `soak/` package beside this file: the HTTP client (client.py), the dialects
(dialects/), the sessions (scenarios.py, attempts.py, faults.py), the history check (history.py) and the
verdict and report (analysis.py). Python 3.11+ standard library only. See bench/SOAK.md.
Exit status: 0 pass, 1 a check failed, 2 the set-up failed (binary missing, a process did not start).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from soak.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
