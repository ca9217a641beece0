"""The practice library: loading it, browsing it, a couple's own practices."""
