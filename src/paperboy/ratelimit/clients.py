"""Who a client is, for every limit keyed by client: its address, or for IPv6 its /64."""

from __future__ import annotations

import ipaddress


def client_key(host: str | None) -> str:
    """The client an address stands for: itself, or for IPv6 its /64 network (one machine or
    home usually holds a whole /64 and can pick any address in it).

    >>> client_key("203.0.113.7"), client_key("2001:db8:0:1::5")
    ('203.0.113.7', '2001:db8:0:1::/64')
    """
    try:
        ip = ipaddress.ip_address(host or "")
    except ValueError:
        return host or "?"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:  # ::ffff:203.0.113.7 is that IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
