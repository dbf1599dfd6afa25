"""``python -m tap_zendesk`` runs the tap CLI."""

from .tap import TapZendesk

TapZendesk.cli()
