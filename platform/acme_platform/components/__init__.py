"""Pulumi ComponentResources of the AcmeCloud data platform."""
