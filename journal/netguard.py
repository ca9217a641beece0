"""Where the server may connect on a user's behalf.

Two places make this web process (or a worker) open a connection to an address a
person typed or a browser sent: Apprise destinations and web push endpoints. Both
must reach the internet only, never this machine or its private network (a cloud
metadata service at 169.254.169.254, an admin page on 127.0.0.1:8080...).

Two layers, one rule (`address_public`):

* `host_public(host)` resolves a host the way the connection will (a name, or an
  address in any notation the system accepts: `2130706433`, `0x7f000001`, `127.1`,
  `[::1]`, `::ffff:127.0.0.1`) and says whether every address it gives is public.
  Saving a destination and every send ask it first, so a person gets a plain answer.
* `public_connections_only()` is worn around every send: while it is active in
  this context, a socket may only connect (or send a datagram) to a public
  address, and never to a local (AF_UNIX) socket. It judges the address the
  connection actually uses, after DNS, so a plugin that builds its host from some
  other part of the URL, or a name whose DNS answer changes after the first
  check, still can't reach inside.

`APPRISE_ALLOW_PRIVATE` turns both off (a self-hosted ntfy on the home network, and
the tests, which deliver to listeners on loopback).
"""

import contextlib
import contextvars
import ipaddress
import socket

from flask import current_app


class Guard:
    """What `public_connections_only` saw: `refused` once it stopped a connection."""

    def __init__(self):
        self.refused = False


_guarded: contextvars.ContextVar[Guard | None] = contextvars.ContextVar("tandem_public_connections_only", default=None)


class PrivateAddressRefused(ConnectionRefusedError):
    """A connection to a non-public address was stopped before it was made."""


def private_destinations_allowed() -> bool:
    return bool(current_app.config.get("APPRISE_ALLOW_PRIVATE"))


def address_public(address: str) -> bool:
    """True for a unicast address on the internet. Loopback, private, shared (CGNAT),
    link-local, multicast, unspecified, reserved and documentation ranges are not,
    in IPv4 and IPv6 alike (IPv4 written inside IPv6 is judged as IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not address_public(str(embedded)):
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_unspecified or ip.is_reserved)


def host_addresses(host: str, port: int | None = None) -> list[str]:
    """Every address `host` resolves to for a TCP connection ([] if none)."""
    host = (host or "").strip().strip("[]")
    if not host:
        return []
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return []
    return [info[4][0] for info in found]


def host_public(host: str, port: int | None = None) -> bool:
    """True when `host` resolves, and only to public addresses."""
    addresses = host_addresses(host, port)
    return bool(addresses) and all(address_public(a) for a in addresses)


def _judge(sock: socket.socket, address) -> None:
    guard = _guarded.get()
    if guard is None:
        return
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address:
        if address_public(str(address[0])):
            return
    guard.refused = True
    raise PrivateAddressRefused("connection to a non-public address refused")


def _install() -> dict:
    """Wrap the socket methods once per process (a re-import finds them wrapped)."""
    real = getattr(socket.socket, "_tandem_real", None)
    if real is None:
        real = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex", "sendto")}
        socket.socket._tandem_real = real

        def connect(self, address):
            _judge(self, address)
            return real["connect"](self, address)

        def connect_ex(self, address):
            _judge(self, address)
            return real["connect_ex"](self, address)

        def sendto(self, data, *args):
            _judge(self, args[-1] if args else None)
            return real["sendto"](self, data, *args)

        socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
    return real


_install()


@contextlib.contextmanager
def public_connections_only():
    """Within this block (and the threads Apprise starts from it, which copy the
    context), sockets connect to public addresses only, unless private destinations
    are allowed by configuration. The guard it yields says whether it refused one."""
    guard = Guard()
    if private_destinations_allowed():
        yield guard
        return
    token = _guarded.set(guard)
    try:
        yield guard
    finally:
        _guarded.reset(token)
