"""``python -m tap_salesforce`` runs the tap CLI."""

from .tap import TapSalesforce

TapSalesforce.cli()
