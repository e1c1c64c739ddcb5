"""A referral's appointment as an iCalendar file (RFC 5545), for the staff member's calendar."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
from django.conf import settings
from django.utils import timezone

from extensions.models import ReferralExtension
from persons.models import Person

APPOINTMENT_LENGTH = dt.timedelta(hours=1)


def appointment_uid(referral: ReferralExtension) -> str:
    """Stable for the referral: a rebooked appointment replaces the event in the calendar."""
    return f"referral-appointment-{referral.pk}@orca"


def referral_appointment_ics(*, person: Person, referral: ReferralExtension, referrers: list[str]) -> bytes:
    """The appointment in the club's time zone, with its VTIMEZONE, as an .ics file."""
    if referral.appointment_date is None:
        raise ValueError("The referral has no appointment.")
    club_zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = referral.appointment_date.astimezone(club_zone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//ORCA//Referral appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", appointment_uid(referral))
    # Each booking is a new version of the same event, so calendars take the latest one.
    event.add("sequence", len(referral.status_history))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", start + APPOINTMENT_LENGTH)
    event.add("summary", f"{settings.CLUB_NAME}: appointment with {person.full_name}")
    lines = [f"Referral appointment for {person.full_name}."]
    if referrers:
        lines.append(f"Referred by {', '.join(referrers)}.")
    if person.phone:
        lines.append(f"Phone: {person.phone}")
    event.add("description", "\n".join(lines))
    event.add("location", settings.CLUB_NAME)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
