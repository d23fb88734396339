"""Where an endpoint may point: http(s) only, and (server-side request forgery) only to public
addresses unless settings.WEBHOOKS_ALLOWED_NETWORKS names the network."""

import ipaddress
import socket
from urllib.parse import urlsplit


class AddressRefused(Exception):
    pass


def url_check(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL, or AddressRefused naming what is wrong."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"The URL is not valid: {exc}.") from exc
    if parts.scheme not in ("http", "https"):
        raise AddressRefused("The URL must start with https:// (or http://).")
    if not parts.hostname:
        raise AddressRefused("The URL has no host name.")
    if parts.username or parts.password:
        raise AddressRefused("The URL must not carry a user name or password.")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def address_allowed(ip: str, allowed_networks: list[str]) -> bool:
    address = ipaddress.ip_address(ip)
    if any(address in ipaddress.ip_network(n, strict=False) for n in allowed_networks):
        return True
    return address.is_global and not address.is_multicast


def addresses_resolve(host: str, port: int, allowed_networks: list[str]) -> list[str]:
    """Every address `host` resolves to, or AddressRefused if it does not resolve or any of
    them is private, loopback, link-local or otherwise not public (and not allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:  # ValueError: a name IDNA cannot encode, a NUL
        raise AddressRefused(f"The host {host!r} does not resolve ({exc}).") from exc
    ips = list(dict.fromkeys(info[4][0] for info in infos))
    refused = [ip for ip in ips if not address_allowed(ip, allowed_networks)]
    if refused:
        raise AddressRefused(
            f"The host {host!r} resolves to {', '.join(refused)}: a private or local address, "
            "which webhooks may not call (settings.WEBHOOKS_ALLOWED_NETWORKS)."
        )
    return ips
