"""Taking it with you: the ZIP export of everything a person may see, and the
summary for a clinician (a printable page and a PDF)."""
