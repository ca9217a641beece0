"""Numbers from outside (the address, a query string) are bounded where they are
read, so an absurd one is a 404 or a default, never an OverflowError from the
database driver. Ids are PostgreSQL `integer`s: nothing above 2**31 - 1 exists."""

from werkzeug.routing import IntegerConverter

#: The largest id or page number any table can hold (PostgreSQL `integer`).
ID_MAX = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: digits only, at most ID_MAX; anything else is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def query_int(value: str) -> int:
    """For `request.args.get(name, default, type=query_int)`: plain digits up to ID_MAX,
    else ValueError (so the default is used)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 10:
        raise ValueError("not a small whole number")
    number = int(value)
    if number > ID_MAX:
        raise ValueError("too large")
    return number
