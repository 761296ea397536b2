"""Where a request comes from."""

import ipaddress
import re

# What a proxy adds to say whom it forwards a request for.
FORWARDED_FOR = re.compile(r'for="?\[?([^\]";,\s]+)', re.IGNORECASE)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip()).is_loopback
    except ValueError:  # not an address (an obfuscated or unknown client)
        return False


def client_is_loopback(request) -> bool:
    """The request comes from this machine itself: its connection is from a loopback
    address (127.0.0.1, ::1), and no proxy says it forwards it for someone else."""
    if not _is_loopback(request.META.get("REMOTE_ADDR", "")):
        return False
    headers = request.headers
    clients = [
        *headers.get("X-Forwarded-For", "").split(","),
        headers.get("X-Real-IP", ""),
        *FORWARDED_FOR.findall(headers.get("Forwarded", "")),
    ]
    if "Forwarded" in headers and not FORWARDED_FOR.search(headers["Forwarded"]):
        return False  # forwarded, for whom it does not say
    return all(_is_loopback(client) for client in clients if client.strip())
