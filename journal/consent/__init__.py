"""The couple's consent language: phrases and signals, always one tap away."""
