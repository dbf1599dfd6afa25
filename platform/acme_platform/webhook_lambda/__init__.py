"""Lambda code for the webhook receiver (deployed as a single file)."""
