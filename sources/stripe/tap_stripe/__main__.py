"""``python -m tap_stripe`` runs the tap CLI."""

from .tap import TapStripe

TapStripe.cli()
