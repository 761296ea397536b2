"""The site's own rate limits: per address or per account, per fixed window, a
check that does not count, and a clear error for a limit written wrong."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from core.ratelimits import Rate, rate_consume, rates_parse
from tests.factories import UserFactory

NOW = 1_800_000_000.0  # the start of a 10-minute window


def _request(address="203.0.113.5", user=None):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = user or AnonymousUser()
    return request


def test_rates_read_like_allauths():
    assert rates_parse("10/10m/user, 30/10m/ip") == [
        Rate(10, 600, "user"),
        Rate(30, 600, "ip"),
    ]
    assert rates_parse("30/m/ip") == [Rate(30, 60, "ip")]


@pytest.mark.parametrize("text", ["", "30/m", "30/m/key", "trente/m/ip", "3/10x/ip"])
def test_a_limit_written_wrong_is_refused_clearly(text):
    with pytest.raises(ImproperlyConfigured, match="Limite de fréquence illisible"):
        rates_parse(text)


def test_an_address_gets_its_allowance_then_waits_for_the_next_window():
    request = _request()
    for _ in range(3):
        assert rate_consume(request, action="essai", rates="3/m/ip", now=NOW)
    assert not rate_consume(request, action="essai", rates="3/m/ip", now=NOW + 59)
    # Another address, another action: their own allowances.
    assert rate_consume(
        _request("198.51.100.7"), action="essai", rates="3/m/ip", now=NOW
    )
    assert rate_consume(request, action="autre", rates="3/m/ip", now=NOW)
    assert rate_consume(request, action="essai", rates="3/m/ip", now=NOW + 60)


def test_a_dry_run_checks_without_counting():
    request = _request()
    for _ in range(5):
        assert rate_consume(
            request, action="essai", rates="1/m/ip", dry_run=True, now=NOW
        )
    assert rate_consume(request, action="essai", rates="1/m/ip", now=NOW)
    assert not rate_consume(
        request, action="essai", rates="1/m/ip", dry_run=True, now=NOW
    )


@pytest.mark.django_db
def test_per_account_and_per_address_together():
    rates = "2/10m/user,3/10m/ip"
    first, second = UserFactory(), UserFactory()
    for _ in range(2):
        assert rate_consume(_request(user=first), action="code", rates=rates, now=NOW)
    # The account's limit is reached, from any address.
    assert not rate_consume(
        _request("198.51.100.7", user=first), action="code", rates=rates, now=NOW
    )
    # A colleague at the same address uses what the address has left (3 in all).
    assert rate_consume(_request(user=second), action="code", rates=rates, now=NOW)
    assert not rate_consume(_request(user=second), action="code", rates=rates, now=NOW)


def test_ipv6_neighbours_share_one_allowance():
    one = _request("2001:db8:1:2::10")
    other = _request("2001:db8:1:2:ffff::1")
    assert rate_consume(one, action="essai", rates="1/m/ip", now=NOW)
    assert not rate_consume(other, action="essai", rates="1/m/ip", now=NOW)
    assert rate_consume(
        _request("2001:db8:1:3::1"), action="essai", rates="1/m/ip", now=NOW
    )
