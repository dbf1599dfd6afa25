"""Singer tap for Stripe (AcmeCloud customer data platform)."""
