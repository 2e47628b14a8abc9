#!/usr/bin/env python3
"""Starts the original Python gateway for bench/run.sh, without Microsoft sign-in and against a local Graph.

Usage (with the python of the venv run.sh made for it):
  original_gateway.py SOURCE_DIR PORT GRAPH_BASE_URL

SOURCE_DIR holds its gateway.py (a FastAPI app, run by uvicorn as its README and service file do:
`uvicorn gateway:app`, one process, uvicorn's defaults otherwise). Its file is not changed; before it
is imported, msal.PublicClientApplication is replaced by a stand-in whose silent sign-in always
returns the access token `bench-token` (the token cache and everything else are msal's own), and
after the import its module constant GRAPH (https://graph.microsoft.com, which every Graph URL it
builds starts with) is set to GRAPH_BASE_URL.
"""

import sys


class BenchPublicClientApplication:
    """What gateway.acquire_token() calls on msal.PublicClientApplication, answered with a fixed token."""

    def __init__(self, client_id=None, authority=None, token_cache=None, **_):
        self.client_id = client_id
        self.token_cache = token_cache

    def get_accounts(self, username=None):
        return [{"username": "bench@example.invalid", "home_account_id": "bench"}]

    def acquire_token_silent(self, scopes, account=None, **_):
        return {"access_token": "bench-token", "token_type": "Bearer", "expires_in": 3600}

    def initiate_device_flow(self, scopes=None, **_):
        raise RuntimeError("the benchmark never signs in with a device code")

    def acquire_token_by_device_flow(self, flow, **_):
        raise RuntimeError("the benchmark never signs in with a device code")


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    source, port, graph = argv[1], int(argv[2]), argv[3].rstrip("/")
    sys.path.insert(0, source)

    import msal
    msal.PublicClientApplication = BenchPublicClientApplication

    import gateway
    gateway.GRAPH = graph

    import uvicorn
    uvicorn.run(gateway.app, host="127.0.0.1", port=port)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
