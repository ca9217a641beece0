"""Check-ins, and the Care page with its calm notes on when to see a clinician."""
