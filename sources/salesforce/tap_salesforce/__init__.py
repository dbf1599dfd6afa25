"""Singer tap for Salesforce (AcmeCloud customer data platform)."""
