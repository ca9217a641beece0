"""The calendar feed: a per-person secret iCalendar URL of their scheduled practices."""
