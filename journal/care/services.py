"""Support contacts the operator configures for the Care page."""


def care_contacts(text: str | None) -> list[tuple[str, str]]:
    """Operator-configured support contacts: one a line, "Name: detail"."""
    contacts = []
    for line in (text or "").splitlines():
        name, _, detail = line.partition(":")
        if name.strip():
            contacts.append((name.strip(), detail.strip()))
    return contacts
