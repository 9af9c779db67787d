"""Who a visitor of ``moomtui serve`` is: a loopback host, a client's seat key, an origin.

The server counts seats per client (:func:`client_key`: an address, an IPv6 one as its /64)
and answers a page or a websocket only from its own origin (:func:`origin_of`, compared
with the ``Origin`` header).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_key(address: str) -> str:
    """Whose seat a session is: the address, an IPv6 one as its /64 (one household's)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower case, without a default port."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"
