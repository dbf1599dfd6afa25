"""``python -m salesforce_sandbox --port 12112``: serve the sandbox (settings from SALESFORCE_SANDBOX_* env)."""

from __future__ import annotations

import argparse
from datetime import datetime

from salesforce_sandbox.app import serve
from salesforce_sandbox.settings import SandboxSettings


def main() -> None:
    """Parse the command line and serve until interrupted."""
    from acme_world import WorldConfig

    parser = argparse.ArgumentParser(prog="salesforce_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12112)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--anchor", default=None, help="world anchor (ISO, UTC); default: this hour")
    args = parser.parse_args()
    anchor = datetime.fromisoformat(args.anchor.replace("Z", "+00:00")) if args.anchor else None
    config = WorldConfig(seed=args.seed, scale=args.scale, anchor=anchor)
    serve(args.host, args.port, config, SandboxSettings.from_env())


if __name__ == "__main__":
    main()
