"""The Care page: safety information and support contacts, open to everyone."""
