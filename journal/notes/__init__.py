"""Progress notes after a practice, and the sensation map."""
