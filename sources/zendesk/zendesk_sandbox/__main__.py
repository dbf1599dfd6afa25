"""``python -m zendesk_sandbox --port 12113``: serve the sandbox (settings from ZENDESK_SANDBOX_*)."""

from __future__ import annotations

import argparse
from datetime import datetime

from zendesk_sandbox.app import serve
from zendesk_sandbox.settings import SandboxSettings


def main() -> None:
    """Parse the command line and serve until interrupted."""
    from acme_world import WorldConfig

    parser = argparse.ArgumentParser(prog="python -m zendesk_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12113)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--anchor", default=None, help="world anchor, ISO time (default: this hour, UTC)")
    args = parser.parse_args()
    anchor = datetime.fromisoformat(args.anchor.replace("Z", "+00:00")) if args.anchor else None
    config = WorldConfig(seed=args.seed, scale=args.scale, anchor=anchor)
    serve(host=args.host, port=args.port, world_config=config, settings=SandboxSettings.from_env())


if __name__ == "__main__":
    main()
