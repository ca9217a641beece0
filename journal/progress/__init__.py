"""Progress: weekly trends, practices, moments, the pace timeline and the sensation map
over time, with gentle sentences and "what seems to help"."""
