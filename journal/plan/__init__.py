"""Planning a couple's practices: when they recur and when they are due."""
