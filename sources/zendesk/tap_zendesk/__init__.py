"""Singer tap for Zendesk (AcmeCloud customer data platform)."""
