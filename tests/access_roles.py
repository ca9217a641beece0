"""The vocabulary of the access matrix, shared by tests/test_access_matrix.py and
the per-feature tests/matrix_*.py modules.

Roles: anonymous; the author (owner of the objects in the URL); their partner; a
stranger from another couple; a person without a couple. Outcomes: a status code,
"login" (redirected to log in), or "away" (redirected elsewhere).
"""

ROLES = ("anonymous", "author", "partner", "stranger", "single")
L, A = "login", "away"


def each(outcome):
    """The same outcome for everyone."""
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome, anonymous=L):
    """`outcome` for everyone logged in; anonymous people go to log in."""
    return {"anonymous": anonymous, **dict.fromkeys(ROLES[1:], outcome)}


def roles(anonymous, author, partner, stranger, single):
    return dict(zip(ROLES, (anonymous, author, partner, stranger, single)))
