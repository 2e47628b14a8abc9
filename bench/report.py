#!/usr/bin/env python3
"""Helpers and the report writer for bench/run.sh (the work itself is in bench/reporting/).

  report.py count-log            nginx access-log lines on stdin -> {"create":n,"chat":n,"stream":n}
  report.py count-sim            the simulator's GET /_sim/requests on stdin -> the same
  report.py check-calls RECORD   a phase's JSON record: prints why its upstream calls are not those of
                                 its turns (a first turn: create and chat; a continuing one: chat), if so
  report.py write RESULTS OUT GATEWAY_BINARY
                                 turns run.sh's JSON lines into the Markdown report OUT
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from reporting.counts import check_calls, count_log, count_sim  # noqa: E402
from reporting.write import write  # noqa: E402


def main(argv):
    if len(argv) == 2 and argv[1] == "count-log":
        count_log()
    elif len(argv) == 2 and argv[1] == "count-sim":
        count_sim()
    elif len(argv) == 3 and argv[1] == "check-calls":
        check_calls(argv[2])
    elif len(argv) == 5 and argv[1] == "write":
        write(argv[2], argv[3], argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
