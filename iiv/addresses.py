"""This machine's names on the network: what a phone may type (or scan) to reach `iiv serve`.

Used only with `--allow-remote`: the dashboard then answers requests whose Host names one of
these, besides loopback; any other name (a DNS-rebinding attacker's) is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

ANY_ADDRESS = ("0.0.0.0", "::", "")  # bind to every interface
# Connecting a UDP socket sends nothing: it only asks the system which of its addresses would
# be used to reach this one (TEST-NET-1, RFC 5737: never routed to a real host).
PROBE_V4 = ("192.0.2.1", 9)
PROBE_V6 = ("2001:db8::1", 9)


def machine_addresses() -> list[str]:
    """This machine's own addresses, the one it would reach the LAN with first."""
    found = [
        address for address in (_outgoing(socket.AF_INET), _outgoing(socket.AF_INET6)) if address
    ]
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        infos = []
    found += [str(info[4][0]) for info in infos]
    return _unique(address.split("%", 1)[0] for address in found if address)


def _outgoing(family: socket.AddressFamily) -> str | None:
    probe = PROBE_V4 if family == socket.AF_INET else PROBE_V6
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.connect(probe)
            return str(udp.getsockname()[0])
    except OSError:  # no such network (no IPv6, no route): no address of that family
        return None


def lan_address(host: str) -> str:
    """The address to print for a phone: the bound one, else the best of the machine's own."""
    if host not in ANY_ADDRESS:
        return host
    usable = [a for a in machine_addresses() if not ipaddress.ip_address(a).is_loopback]
    v4 = [a for a in usable if ipaddress.ip_address(a).version == 4]
    return (v4 or usable or ["127.0.0.1"])[0]


def remote_host_names(host: str) -> tuple[str, ...]:
    """The Host names to accept besides loopback when serving on `host` with --allow-remote:
    that address; or, bound to every interface, the machine's addresses and host names."""
    if host not in ANY_ADDRESS:
        return (url_host(host),)
    names = [url_host(address) for address in machine_addresses()]
    hostname = socket.gethostname().lower()
    if hostname:
        names += [hostname, hostname.split(".", 1)[0], f"{hostname.split('.', 1)[0]}.local"]
    return tuple(_unique(names))


def url_host(address: str) -> str:
    """An address as a URL or a Host header writes it: an IPv6 one in brackets."""
    try:
        parsed = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address.lower()
    return f"[{parsed.compressed}]" if parsed.version == 6 else parsed.compressed


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
