"""The benchmarks' mail server (one process per connection) counts every message
and gives back every Message-ID: the morning benchmark's no-loss, no-double check
rests on it."""

import smtplib

from tests.smtp_sink import ForkingSmtpSink


def _message(number: int) -> bytes:
    return (
        f"Message-ID: <rappel-{number}@exemple.fr>\r\nSubject: essai\r\n\r\nBonjour\r\n"
    ).encode()


def test_two_connections_side_by_side_are_counted_and_their_ids_kept():
    with ForkingSmtpSink() as sink:
        first = smtplib.SMTP("127.0.0.1", sink.port)
        second = smtplib.SMTP("127.0.0.1", sink.port)
        for number in range(6):
            client = first if number % 2 else second
            client.sendmail("a@exemple.fr", ["b@exemple.fr"], _message(number))
        assert sink.count() == 6
        first.quit()
        second.quit()
        ids = sink.message_ids(expected=6)
        assert sorted(ids) == sorted(
            f"<rappel-{number}@exemple.fr>".encode() for number in range(6)
        )
        sink.reset()
        assert sink.count() == 0
        assert sink.message_ids(expected=0) == []
