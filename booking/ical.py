"""The per-user iCalendar feed (secret URL) of scheduled flights the user is involved in."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from .models import Profile
from .notifications import request_url
from .selectors import calendar_flights


def profile_for_token(token: str) -> Profile | None:
    if not token or len(token) > 64:
        return None
    return (
        Profile.objects.select_related("user")
        .filter(calendar_token=token, user__is_active=True)
        .first()
    )


def calendar_feed(*, user, now: datetime) -> bytes:
    from icalendar import Calendar, Event  # imported here: slow to import, only the feed needs it

    cal = Calendar()
    cal.add("prodid", "-//Council drone surveys//booking//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Drone flights")
    for flight in calendar_flights(user).select_related("flight_request"):
        fr = flight.flight_request
        event = Event()
        event.add("uid", f"flight-{flight.pk}@{settings.SITE_URL.split('//')[-1]}")
        event.add("dtstamp", now)
        event.add("dtstart", flight.scheduled_start)
        event.add("dtend", flight.scheduled_end)
        awaiting = flight.awaits_signoff
        prefix = "AWAITING SIGN-OFF: " if awaiting else ""
        event.add("summary", f"{prefix}Drone flight {fr.reference}: {fr.site_name}")
        # A flight that waits for a policy officer's sign-off may not be flown yet: tentative.
        event.add("status", "TENTATIVE" if awaiting else "CONFIRMED")
        waiting = (
            f"Awaiting a policy officer's sign-off ({', '.join(flight.signoff_rules)}): "
            "it may not be flown until signed off. "
            if awaiting
            else ""
        )
        event.add(
            "description",
            f"{waiting}{fr.get_purpose_display()} by {flight.supplier.name}; pilot {flight.pilot.name}, "
            f"aircraft {flight.aircraft.name}. {request_url(fr)}",
        )
        event.add("location", fr.site_name)
        cal.add_component(event)
    return cal.to_ical()
