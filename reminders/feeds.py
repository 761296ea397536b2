"""The learner's calendar as an iCalendar feed (RFC 5545)."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from icalendar import Alarm, Calendar, Event

from core.formatting import date_text


def calendar_feed(*, deadlines, now: datetime) -> bytes:
    host = urlsplit(settings.SITE_URL).hostname
    calendar = Calendar()
    calendar.add("prodid", "-//Majorité prête//Mon planning//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Mon planning — Majorité prête")
    calendar.add("x-wr-timezone", "Europe/Paris")
    planning = settings.SITE_URL + reverse("reminders:planning")
    for deadline in deadlines:
        rule = deadline.rule
        event = Event()
        event.add("uid", f"echeance-{deadline.pk}@{host}")
        event.add("dtstamp", now)
        # An all-day event on the last day: that is the day that matters.
        event.add("dtstart", deadline.closes_on)
        event.add("dtend", deadline.closes_on + timedelta(days=1))
        event.add("summary", f"Dernier jour : {rule.title}")
        lines = [
            rule.what_to_do,
            f"Ouvert à partir du {date_text(deadline.opens_on)}.",
            f"Site officiel : {rule.official_url}",
        ]
        if rule.module_id:
            lines.append(f"Le module : {settings.SITE_URL}{rule.module.url}")
        lines += [f"Si c'est manqué : {rule.remedy}", f"Mon planning : {planning}"]
        event.add("description", "\n\n".join(lines))
        event.add("url", rule.official_url)
        event.add("transp", "TRANSPARENT")
        if deadline.done_at:
            event.add("status", "CANCELLED")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Bientôt le dernier jour : {rule.title}")
        alarm.add("trigger", timedelta(days=-7))
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
