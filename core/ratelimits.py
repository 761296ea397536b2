"""The site's own rate limits (certificate checks, in-person passport codes), apart
from allauth's for logins. A limit is named and written as allauth writes its own:
"30/m/ip", "10/10m/user,30/10m/ip". Uses are counted per fixed window in the shared
cache (CACHE_URL), per client address as allauth reads it (behind a proxy, see
ALLAUTH_TRUSTED_PROXY_COUNT) or per account."""

import ipaddress
import re
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"(\d+)/(\d*)([smhd])/(ip|user)")
# An IPv6 client holds a whole /64: its addresses share one allowance.
IPV6_PREFIX = 64


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str  # "ip" or "user"


def rates_parse(text: str) -> list[Rate]:
    rates = []
    for part in text.split(","):
        match = RATE.fullmatch(part.strip())
        if match is None:
            raise ImproperlyConfigured(
                f"Limite de fréquence illisible : {part!r} (attendu par exemple "
                "« 30/m/ip » ou « 10/10m/user »)."
            )
        amount, count, unit, per = match.groups()
        rates.append(Rate(int(amount), int(count or 1) * UNITS[unit], per))
    return rates


def _client(request, per: str) -> str:
    if per == "user" and request.user.is_authenticated:
        return f"compte:{request.user.pk}"
    try:
        address = ipaddress.ip_address(get_adapter().get_client_ip(request))
    except (PermissionDenied, ValueError):
        # An address that cannot be read: such requests share one allowance.
        return "adresse:inconnue"
    if address.version == 6:
        address = ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False)
    return f"adresse:{address}"


def rate_consume(
    request, *, action: str, rates: str, dry_run: bool = False, now=None
) -> bool:
    """Whether every limit in `rates` leaves room for one more `action` from this
    client; if so, the use is counted (unless `dry_run`: to check before an
    attempt that counts only when it fails). A refused use counts for nothing."""
    moment = time.time() if now is None else now
    keys = []
    for rate in rates_parse(rates):
        window = int(moment // rate.seconds)
        client = _client(request, rate.per)
        key = f"limite:{action}:{client}:{rate.seconds}:{window}"
        if cache.get(key, 0) >= rate.amount:
            return False
        keys.append((key, rate.seconds))
    if not dry_run:
        for key, seconds in keys:
            cache.add(key, 0, timeout=seconds)
            try:
                cache.incr(key)
            except ValueError:  # the window ended in between
                cache.set(key, 1, timeout=seconds)
    return True


def rate_limited(request) -> HttpResponse:
    """The site's "too many attempts" page (429)."""
    return render(request, "429.html", status=429)
