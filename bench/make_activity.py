"""Add interactions, messages, a My day user and a long timeline to the bench set, set-based in SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orca_bench \\
        .venv/bin/python bench/make_activity.py

Run after bench/make_large_db.py. What it adds (see "Interactions, timeline and My day" in
bench/README.md for the figures):

- 3 to 7 interactions per person (5 on average: about 5,000,000 at a million persons), each drawn
  from hashes of the person's id and its number: mostly completed within the last two years
  (with an outcome, a sentiment, a duration where it fits, a few emails and texts answered),
  some missed or cancelled, and for about one person in six the last one still scheduled, a
  quarter of those overdue. Each is logged by the person's owner (85 %) or another user.
- 1 or 2 messages (email or SMS) for a quarter of the persons.
- `bench.myday@example.com`, a staff user assigned exactly 2,000 persons (table
  `bench_myday_persons` says which, and why): 100 leads in a trial (60 of them ending within 3
  days), 700 other leads (half with a next step: a follow-up overdue, today or later), 80
  referrals with an appointment today, 320 other referrals, 800 members (a quarter at medium
  or high churn risk); their scheduled interactions are the user's own, and 40 of them answered a
  text in the last three days that nobody has answered yet.
- `bench.timeline@example.com`, a person with exactly 2,000 timeline entries (1,600 interactions,
  400 messages over three years), assigned to the first manager.
- persons.last_contacted and next_scheduled_contact recomputed from the interactions (the rule
  of interactions.services.person_contact_dates_refresh), then VACUUM (ANALYZE).

The interactions are inserted in ten batches of persons, each committed with a row in
`bench_activity_batches`; the other steps are recorded in `bench_activity_steps`. A second run
skips what is done (an interrupted run continues), so it is safe to run again. My day's sections
are relative to the day the data was made (follow-ups today, appointments today, trials ending
within three days): `--today` moves the My day user's day to the day it runs, for a later bench.

While the first batches load, the secondary indexes of interactions are dropped (their definitions kept in
`bench_saved_indexes`) and built again at the end: an interrupted run rebuilds them when run
again.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orca.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from orca.users.models import Role, User  # noqa: E402

MYDAY_EMAIL = "bench.myday@example.com"
TIMELINE_EMAIL = "bench.timeline@example.com"
BATCHES = 10
TIMELINE_INTERACTIONS = 1600
TIMELINE_MESSAGES = 400

# Interaction types and their weights in percent, and the subject each gets.
TYPES = (
    ("call", 30, "Call"),
    ("email", 14, "Email"),
    ("sms", 14, "Text"),
    ("follow_up", 10, "Follow-up"),
    ("visit", 8, "Visit at the desk"),
    ("note", 7, "Note"),
    ("tour", 4, "Club tour"),
    ("trial_class", 3, "Trial class"),
    ("consultation", 3, "Consultation"),
    ("class", 3, "Class"),
    ("meeting", 2, "Meeting"),
    ("task", 2, "Task"),
)
# What a planned interaction is (the last of a person's, when still scheduled).
PLANNED_TYPES = ("follow_up", "follow_up", "call", "call", "tour", "visit", "trial_class")
TOPICS = ("membership options", "the trial", "class times", "pricing", "their goals", "the family plan")
REPLIES = ("Can you call me after 6?", "What does the family plan cost?", "Is the pool open on Sundays?")


def _array(values) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def _weighted(draw: str, pairs) -> str:
    whens, upto = [], 0
    for value, weight in pairs:
        upto += weight
        whens.append(f"WHEN {draw} % 100 < {upto} THEN '{value}'")
    assert upto == 100
    return f"CASE {' '.join(whens)} END"


_SUBJECTS = "CASE k.type " + " ".join(f"WHEN '{t}' THEN '{s}'" for t, _, s in TYPES) + " END"

# One interaction row from: p (person), n.n (how many the person has), i (its number), r.* (draws),
# u.ids (the users it may be logged by), now_ts (the time of the run). `kind` is upcoming, overdue,
# missed, cancelled or completed.
_INTERACTION_SELECT = f"""
SELECT gen_random_uuid(), t.created_at, t.created_at, k.type,
       {_SUBJECTS} || CASE WHEN s.kind IN ('upcoming', 'overdue') THEN ' planned' ELSE '' END,
       CASE WHEN s.kind = 'completed' AND k.type IN ('call', 'follow_up', 'visit', 'consultation')
            THEN 'Talked about ' || ({_array(TOPICS)})[1 + r.e % {len(TOPICS)}] || '.' ELSE '' END,
       '{{}}', CASE WHEN s.kind IN ('upcoming', 'overdue') THEN 'scheduled' ELSE s.kind END,
       t.scheduled_at, t.completed_at,
       CASE WHEN s.kind <> 'completed' THEN NULL
            WHEN k.type IN ('call', 'follow_up') THEN 1 + r.f % 20
            WHEN k.type IN ('email', 'sms', 'note', 'task') THEN NULL
            ELSE 30 + r.f % 61 END,
       x.answered,
       CASE WHEN x.answered THEN least(t.completed_at + (600 + r.d % 86400) * interval '1 second',
                                       now_ts - interval '1 minute') END,
       CASE WHEN x.answered THEN ({_array(REPLIES)})[1 + r.f % {len(REPLIES)}] ELSE '' END,
       CASE WHEN s.kind = 'completed'
            THEN (ARRAY['positive', 'positive', 'positive', 'neutral', 'neutral', 'neutral', 'neutral',
                        'negative', '', ''])[1 + r.f % 10] ELSE '' END,
       '', '', '', '{{}}'::jsonb, p.id,
       CASE WHEN r.f % 100 < 85 THEN p.assigned_to ELSE u.ids[1 + r.e % cardinality(u.ids)] END,
       CASE WHEN s.kind <> 'completed' THEN ''
            WHEN k.type IN ('call', 'follow_up')
            THEN (ARRAY['reached', 'reached', 'reached', 'reached', 'reached', 'reached', 'no_answer',
                        'no_answer', 'left_message', 'booked'])[1 + r.e % 10]
            WHEN k.type IN ('email', 'sms', 'note') THEN ''
            ELSE 'done' END
FROM {{source}}
CROSS JOIN LATERAL (SELECT hashtext(p.id::text || ':i' || i) & 2147483647 AS a,
                           hashtext(p.id::text || ':s' || i) & 2147483647 AS b,
                           hashtext(p.id::text || ':t' || i) & 2147483647 AS c,
                           hashtext(p.id::text || ':d' || i) & 2147483647 AS d,
                           hashtext(p.id::text || ':e' || i) & 2147483647 AS e,
                           hashtext(p.id::text || ':f' || i) & 2147483647 AS f) r
CROSS JOIN LATERAL (SELECT CASE WHEN i = n.n AND r.b % 100 < 12 THEN 'upcoming'
                                WHEN i = n.n AND r.b % 100 < 16 THEN 'overdue'
                                WHEN r.b % 25 = 0 THEN 'missed'
                                WHEN r.b % 25 = 1 THEN 'cancelled'
                                ELSE 'completed' END AS kind) s
CROSS JOIN LATERAL (SELECT CASE WHEN s.kind IN ('upcoming', 'overdue')
                                THEN ({_array(PLANNED_TYPES)})[1 + r.a % {len(PLANNED_TYPES)}]
                                ELSE {_weighted("r.a", [(t, w) for t, w, _ in TYPES])} END AS type) k
CROSS JOIN LATERAL (SELECT now_ts - (3600 + r.c % (730 * 86400 - 3600)) * interval '1 second' AS past) w
CROSS JOIN LATERAL (
    SELECT CASE s.kind WHEN 'completed' THEN w.past + (r.d % 600) * interval '1 second'
                       WHEN 'upcoming' THEN now_ts - (r.d % (10 * 86400)) * interval '1 second'
                       WHEN 'overdue' THEN now_ts - (3600 + r.c % (14 * 86400)) * interval '1 second'
                                            - (1 + r.d % 7) * interval '1 day'
                       ELSE w.past - (1 + r.d % 7) * interval '1 day' END AS created_at,
           CASE s.kind WHEN 'completed' THEN NULL
                       WHEN 'upcoming' THEN now_ts + (1800 + r.c % (30 * 86400)) * interval '1 second'
                       WHEN 'overdue' THEN now_ts - (3600 + r.c % (14 * 86400)) * interval '1 second'
                       ELSE w.past END AS scheduled_at,
           CASE WHEN s.kind = 'completed' THEN w.past END AS completed_at
) t
CROSS JOIN LATERAL (SELECT s.kind = 'completed' AND k.type IN ('email', 'sms') AND r.e % 50 = 7 AS answered) x
"""

INTERACTION_COLUMNS = """id, created_at, updated_at, interaction_type, subject, content, attachments, status,
    scheduled_at, completed_at, duration_minutes, response_received, response_date, response_content,
    sentiment, campaign_id, template_id, notes, custom_fields, person_id, user_id, outcome"""

_USERS = """CROSS JOIN (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email <> %(myday)s) u
CROSS JOIN (SELECT %(now)s::timestamptz AS now_ts) c"""

BATCH_INTERACTIONS_SQL = f"""INSERT INTO interactions ({INTERACTION_COLUMNS})
{
    _INTERACTION_SELECT.replace(
        "{source}",
        f'''persons p
{_USERS}
CROSS JOIN LATERAL (SELECT 3 + (hashtext(p.id::text || ':n') & 2147483647) % 5 AS n) n
CROSS JOIN LATERAL generate_series(1, n.n) AS i''',
    )
}
WHERE (hashtext(p.id::text || ':batch') & 2147483647) % {BATCHES} = %(batch)s
  AND p.email <> %(timeline)s"""

TIMELINE_INTERACTIONS_SQL = f"""INSERT INTO interactions ({INTERACTION_COLUMNS})
{
    _INTERACTION_SELECT.replace(
        "{source}",
        f'''persons p
{_USERS}
CROSS JOIN (SELECT {TIMELINE_INTERACTIONS} AS n) n
CROSS JOIN LATERAL generate_series(1, n.n) AS i''',
    )
}
WHERE p.id = %(person)s"""

# A quarter of persons get 1 or 2 messages; for the timeline person, 400.
_MESSAGE_SELECT = """
SELECT gen_random_uuid(), t.at, t.at, ch.type,
       CASE ch.type WHEN 'email' THEN (ARRAY['Your week at the club', 'New classes this month',
                                             'Your trial: how did it go?'])[1 + r.b % 3] ELSE '' END,
       CASE ch.type WHEN 'email' THEN 'Hello ' || p.first_name || ', here is what is on at the club.'
                    ELSE 'Hi ' || p.first_name || ', a reminder from the club.' END,
       st.status, t.at + interval '3 seconds',
       CASE WHEN st.status IN ('delivered', 'read') THEN t.at + interval '20 seconds' END,
       CASE WHEN st.status = 'read' THEN t.at + (60 + r.c % 86400) * interval '1 second' END,
       false, '{}'::jsonb, '', false, '{}'::jsonb, NULL, p.id, NULL, p.assigned_to, NULL
FROM {source}
CROSS JOIN LATERAL (SELECT hashtext(p.id::text || ':mb' || j) & 2147483647 AS b,
                           hashtext(p.id::text || ':mc' || j) & 2147483647 AS c) r
CROSS JOIN LATERAL (SELECT CASE WHEN r.b % 2 = 0 AND p.email <> '' THEN 'email' ELSE 'sms' END AS type) ch
CROSS JOIN LATERAL (SELECT CASE WHEN r.c % 100 < 55 THEN 'delivered'
                                WHEN r.c % 100 < 80 AND ch.type = 'email' THEN 'read'
                                WHEN r.c % 100 < 90 THEN 'sent'
                                WHEN r.c % 100 < 95 THEN 'failed'
                                ELSE 'bounced' END AS status) st
CROSS JOIN LATERAL (SELECT now_ts - (3600 + r.c % (730 * 86400)) * interval '1 second' AS at) t
"""

MESSAGE_COLUMNS = """id, created_at, updated_at, message_type, subject, content, status, sent_at,
    delivered_at,
    read_at, is_blast, personalization_data, campaign_id, has_response, metadata, blast_id, recipient_id,
    response_id, sender_id, template_id"""

BATCH_MESSAGES_SQL = f"""INSERT INTO messages ({MESSAGE_COLUMNS})
{
    _MESSAGE_SELECT.replace(
        "{source}",
        '''persons p
CROSS JOIN (SELECT %(now)s::timestamptz AS now_ts) c
CROSS JOIN LATERAL generate_series(1, 1 + (hashtext(p.id::text || ':m') & 2147483647) % 2) AS j''',
    )
}
WHERE (hashtext(p.id::text || ':batch') & 2147483647) % {BATCHES} = %(batch)s
  AND (hashtext(p.id::text || ':m') & 2147483647) % 8 < 2
  AND p.email <> %(timeline)s"""

TIMELINE_MESSAGES_SQL = f"""INSERT INTO messages ({MESSAGE_COLUMNS})
{
    _MESSAGE_SELECT.replace(
        "{source}",
        f'''persons p
CROSS JOIN (SELECT %(now)s::timestamptz AS now_ts) c
CROSS JOIN generate_series(1, {TIMELINE_MESSAGES}) AS j''',
    ).replace("730 * 86400", "1095 * 86400")
}
WHERE p.id = %(person)s"""

# The timeline person's interactions spread over three years rather than two.
TIMELINE_INTERACTIONS_SQL = TIMELINE_INTERACTIONS_SQL.replace("730 * 86400", "1095 * 86400")

SETUP_SQL = """
CREATE TABLE IF NOT EXISTS bench_activity_batches (batch int PRIMARY KEY, done_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS bench_activity_steps (step text PRIMARY KEY, done_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS bench_saved_indexes (name text PRIMARY KEY, definition text NOT NULL);
CREATE TABLE IF NOT EXISTS bench_myday_persons (person_id uuid PRIMARY KEY, pick text NOT NULL);
"""

# --- My day: 2,000 persons for one user --------------------------------------------------------------

# (pick, how many, the persons it draws from). Each pick leaves out the persons already picked.
MYDAY_PICKS = (
    (
        "trial",
        100,
        "JOIN lead_extensions e ON e.person_id = p.id WHERE p.is_lead AND e.lead_status = 'trial'",
    ),
    (
        "lead",
        700,
        "JOIN lead_extensions e ON e.person_id = p.id "
        "WHERE p.is_lead AND e.lead_status NOT IN ('trial', 'won', 'lost')",
    ),
    (
        "appointment",
        80,
        "JOIN referral_extensions e ON e.person_id = p.id "
        "WHERE p.is_referral AND e.referral_status = 'appointment_booked'",
    ),
    (
        "referral",
        320,
        "JOIN referral_extensions e ON e.person_id = p.id "
        "WHERE p.is_referral AND e.referral_status IN ('received', 'contacted', 'visited')",
    ),
    (
        "member",
        800,
        "JOIN member_extensions e ON e.person_id = p.id "
        "WHERE p.is_member AND e.membership_status IN ('active', 'frozen', 'past_due')",
    ),
)

MYDAY_PICK_SQL = """INSERT INTO bench_myday_persons (person_id, pick)
SELECT p.id, %(pick)s FROM persons p {source}
  AND p.active_status AND p.email <> %(timeline)s
  AND NOT EXISTS (SELECT 1 FROM bench_myday_persons b WHERE b.person_id = p.id)
ORDER BY hashtext(p.id::text || ':myday'), p.id
LIMIT %(count)s"""

_H = "(hashtext(b.person_id::text || ':{salt}') & 2147483647)"

MYDAY_SQL = [
    "UPDATE persons p SET assigned_to = %(user)s FROM bench_myday_persons b WHERE b.person_id = p.id",
    # Trials: 60 end within the next 3 days, 40 within 4 to 7 days; started 7 days before the end.
    f"""UPDATE lead_extensions e SET trial_status = 'active', trial_end_date = t.ends,
           trial_start_date = t.ends - interval '7 days'
       FROM bench_myday_persons b
       CROSS JOIN LATERAL (SELECT %(now)s::timestamptz + CASE WHEN {_H.format(salt="trial")} % 100 < 60
                THEN ({_H.format(salt="end")} % (3 * 86400)) * interval '1 second'
                ELSE (4 * 86400 + {_H.format(salt="end")} % (3 * 86400)) * interval '1 second' END AS ends) t
       WHERE b.person_id = e.person_id AND b.pick = 'trial'""",
    # Referrals with an appointment today, 09:00 to 18:00 (the day of the run, in UTC).
    f"""UPDATE referral_extensions e SET appointment_status = 'scheduled',
           appointment_date = date_trunc('day', %(now)s::timestamptz)
                              + (9 * 60 + {_H.format(salt="appt")} % (9 * 60)) * interval '1 minute'
       FROM bench_myday_persons b WHERE b.person_id = e.person_id AND b.pick = 'appointment'""",
    # Members: 10 % high churn risk, 15 % medium, with the reason the nightly job would give.
    f"""UPDATE member_extensions e SET
           churn_risk = CASE WHEN {_H.format(salt="churn")} % 100 < 10 THEN 'high'
                             WHEN {_H.format(salt="churn")} % 100 < 25 THEN 'medium' ELSE 'low' END,
           churn_reason = CASE WHEN {_H.format(salt="churn")} % 100 < 25
                THEN (ARRAY['No check-in for three weeks', 'Visits down by half',
                            'Payment failed twice'])[1 + {_H.format(salt="why")} % 3] ELSE '' END
       FROM bench_myday_persons b WHERE b.person_id = e.person_id AND b.pick = 'member'""",
    # What is still scheduled for them is the user's own.
    """UPDATE interactions i SET user_id = %(user)s FROM bench_myday_persons b
       WHERE b.person_id = i.person_id AND i.status = 'scheduled'""",
    # Next steps: half of the leads, every appointment, and the members at high risk get a
    # follow-up of the user's: a quarter overdue (1 to 10 days), a quarter today, half later.
    f"""INSERT INTO interactions ({INTERACTION_COLUMNS})
       SELECT gen_random_uuid(), t.created_at, t.created_at,
              CASE b.pick WHEN 'appointment' THEN 'tour' ELSE 'follow_up' END,
              CASE b.pick WHEN 'appointment' THEN 'Club tour with the referral'
                          WHEN 'member' THEN 'Check in: churn risk' ELSE 'Follow-up call' END,
              '', '{{}}', 'scheduled', t.scheduled_at, NULL, 15, false, NULL, '', '', '', '', '',
              '{{}}'::jsonb, b.person_id, %(user)s, ''
       FROM bench_myday_persons b
       CROSS JOIN LATERAL (SELECT {_H.format(salt="next")} % 100 AS roll,
                                  {_H.format(salt="when")} AS w) r
       CROSS JOIN LATERAL (
           SELECT CASE WHEN b.pick = 'appointment' THEN 1 WHEN r.roll < 25 THEN 0
                       WHEN r.roll < 50 THEN 1 ELSE 2 END AS slot) s
       CROSS JOIN LATERAL (
           SELECT CASE s.slot
                    WHEN 0 THEN %(now)s::timestamptz - (3600 + r.w % (10 * 86400)) * interval '1 second'
                    WHEN 1 THEN date_trunc('day', %(now)s::timestamptz)
                                + (8 * 60 + r.w % (12 * 60)) * interval '1 minute'
                    ELSE %(now)s::timestamptz + (86400 + r.w % (13 * 86400)) * interval '1 second'
                  END AS scheduled_at,
                  %(now)s::timestamptz - (12 + r.w % (20 * 24)) * interval '1 hour' AS created_at) t
       WHERE (b.pick = 'lead' AND {_H.format(salt="step")} % 2 = 0)
          OR b.pick = 'appointment'
          OR (b.pick = 'member' AND {_H.format(salt="churn")} % 100 < 10)""",
    # 40 texts answered in the last three days that nobody has answered back.
    f"""INSERT INTO interactions ({INTERACTION_COLUMNS})
       SELECT gen_random_uuid(), t.sent, t.sent, 'sms', 'Checked in by text', '', '{{}}', 'completed', NULL,
              t.sent, NULL, true, t.sent + (30 + r.w % 300) * interval '1 minute',
              ({_array(REPLIES)})[1 + r.w % {len(REPLIES)}], '', '', '', '', '{{}}'::jsonb, b.person_id,
              %(user)s, ''
       FROM (SELECT * FROM bench_myday_persons ORDER BY hashtext(person_id::text || ':reply') LIMIT 40) b
       CROSS JOIN LATERAL (SELECT {_H.format(salt="replied")} AS w) r
       CROSS JOIN LATERAL (SELECT %(now)s::timestamptz - (6 * 3600 + r.w % (66 * 3600)) * interval '1 second'
                                  AS sent) t""",
]

# --today: the My day user's day moved to the day of the run (its sections "today", "overdue", the
# trials ending in three days and today's appointments are relative to the day the step ran).
MYDAY_TODAY_SQL = [
    """UPDATE interactions i SET scheduled_at = i.scheduled_at + d.shift,
           completed_at = i.completed_at + d.shift, response_date = i.response_date + d.shift,
           created_at = i.created_at + d.shift,
           updated_at = i.updated_at + d.shift
       FROM (SELECT date_trunc('day', %(now)s::timestamptz) - date_trunc('day', done_at) AS shift
             FROM bench_activity_steps WHERE step = 'myday') d
       WHERE i.user_id = %(user)s AND d.shift > interval '0'
         AND (i.status = 'scheduled' OR (i.response_received AND i.subject = 'Checked in by text'))""",
    MYDAY_SQL[1],  # the trials
    MYDAY_SQL[2],  # the appointments
    "UPDATE bench_activity_steps SET done_at = %(now)s WHERE step = 'myday'",
    """UPDATE persons p SET last_contacted = a.last_contacted, next_scheduled_contact = a.next_scheduled
       FROM (SELECT i.person_id,
                    max(i.completed_at) FILTER (WHERE i.status = 'completed') AS last_contacted,
                    min(i.scheduled_at) FILTER (WHERE i.status = 'scheduled') AS next_scheduled
             FROM interactions i JOIN bench_myday_persons b ON b.person_id = i.person_id
             GROUP BY i.person_id) a
       WHERE a.person_id = p.id""",
]

CONTACT_DATES_SQL = """
UPDATE persons p SET last_contacted = a.last_contacted, next_scheduled_contact = a.next_scheduled
FROM (SELECT person_id,
             max(completed_at) FILTER (WHERE status = 'completed') AS last_contacted,
             min(scheduled_at) FILTER (WHERE status = 'scheduled') AS next_scheduled
      FROM interactions GROUP BY person_id) a
WHERE a.person_id = p.id
  AND (p.last_contacted IS DISTINCT FROM a.last_contacted
       OR p.next_scheduled_contact IS DISTINCT FROM a.next_scheduled)"""

CONTACT_DATES_NONE_SQL = """
UPDATE persons p SET last_contacted = NULL, next_scheduled_contact = NULL
WHERE (p.last_contacted IS NOT NULL OR p.next_scheduled_contact IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = p.id)"""


def sql(text: str) -> str:
    """A statement for cursor.execute with parameters: every % that is not a %(name)s doubled."""
    return re.sub(r"%(?!\(\w+\)s)", "%%", text)


# --- Running -------------------------------------------------------------------------------------------


def step(cursor, name: str, message: str, started: float) -> None:
    cursor.execute("INSERT INTO bench_activity_steps VALUES (%s, now()) ON CONFLICT DO NOTHING", [name])
    print(f"{message} ({time.monotonic() - started:.0f}s)", flush=True)


def done_steps(cursor) -> set[str]:
    cursor.execute("SELECT step FROM bench_activity_steps")
    return {row[0] for row in cursor.fetchall()}


def drop_indexes(cursor) -> None:
    """Keep the secondary indexes' definitions, then drop them: a bulk load builds them faster."""
    cursor.execute(
        """INSERT INTO bench_saved_indexes (name, definition)
           SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = 'interactions'::regclass AND NOT x.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
           ON CONFLICT DO NOTHING"""
    )
    cursor.execute("SELECT name FROM bench_saved_indexes")
    for (name,) in cursor.fetchall():
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore_indexes(cursor, started: float) -> None:
    cursor.execute("SELECT name, definition FROM bench_saved_indexes ORDER BY name")
    for name, definition in cursor.fetchall():
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is None:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute(definition)
            print(f"index {name} built ({time.monotonic() - started:.0f}s)", flush=True)
        cursor.execute("DELETE FROM bench_saved_indexes WHERE name = %s", [name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--today",
        action="store_true",
        help="move the My day user's follow-ups, trials and appointments to today (for a later run)",
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="recompute the contact dates and VACUUM even if nothing was added",
    )
    args = parser.parse_args()
    started = time.monotonic()
    changed = False
    manager = (
        User.objects.filter(is_active=True, role__in=[Role.MANAGER, Role.ADMIN]).order_by("email").first()
    )
    if manager is None:
        sys.exit("No active manager: create the bench users first (bench/README.md).")
    myday = User.objects.filter(email=MYDAY_EMAIL).first()
    if myday is None:
        myday = User.objects.create_user(
            email=MYDAY_EMAIL, password=None, role=Role.STAFF, first_name="Myday"
        )
        print(f"user {MYDAY_EMAIL} created", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(SETUP_SQL)
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
        params = {"now": now, "myday": MYDAY_EMAIL, "timeline": TIMELINE_EMAIL, "user": myday.pk}

        # The timeline person first, so the batches leave them out.
        if "timeline_person" not in done_steps(cursor):
            with transaction.atomic():
                cursor.execute(
                    """UPDATE persons SET email = %(timeline)s, assigned_to = %(manager)s
                       WHERE id = (SELECT id FROM persons WHERE is_lead AND is_member AND active_status
                                   ORDER BY hashtext(id::text || ':timeline'), id LIMIT 1)
                       RETURNING id""",
                    {**params, "manager": manager.pk},
                )
                if cursor.fetchone() is None:
                    sys.exit("No active person who is a lead and a member: run bench/make_large_db.py first.")
                step(cursor, "timeline_person", f"timeline person {TIMELINE_EMAIL} chosen", started)

        cursor.execute("SELECT batch FROM bench_activity_batches")
        todo = sorted(set(range(BATCHES)) - {row[0] for row in cursor.fetchall()})
        cursor.execute("SELECT count(*) FROM bench_saved_indexes")
        if len(todo) > BATCHES // 2 or cursor.fetchone()[0]:
            drop_indexes(cursor)
        for batch in todo:
            with transaction.atomic():
                cursor.execute(sql(BATCH_INTERACTIONS_SQL), {**params, "batch": batch})
                added = cursor.rowcount
                cursor.execute(sql(BATCH_MESSAGES_SQL), {**params, "batch": batch})
                sent = cursor.rowcount
                cursor.execute("INSERT INTO bench_activity_batches VALUES (%s, now())", [batch])
            changed = True
            print(
                f"batch {batch + 1}/{BATCHES}: {added:,} interactions, {sent:,} messages "
                f"({time.monotonic() - started:.0f}s)",
                flush=True,
            )
        restore_indexes(cursor, started)

        done = done_steps(cursor)
        if "timeline" not in done:
            with transaction.atomic():
                cursor.execute("SELECT id FROM persons WHERE lower(email) = %s", [TIMELINE_EMAIL])
                person = cursor.fetchone()[0]
                cursor.execute("DELETE FROM messages WHERE recipient_id = %s", [person])
                cursor.execute("DELETE FROM interactions WHERE person_id = %s", [person])
                cursor.execute(sql(TIMELINE_INTERACTIONS_SQL), {**params, "person": person})
                cursor.execute(sql(TIMELINE_MESSAGES_SQL), {**params, "person": person})
                step(cursor, "timeline", f"timeline of {TIMELINE_EMAIL}: 2,000 entries", started)
            changed = True
        if "myday" not in done:
            with transaction.atomic():
                for pick, count, source in MYDAY_PICKS:
                    cursor.execute(
                        sql(MYDAY_PICK_SQL.format(source=source)), {**params, "pick": pick, "count": count}
                    )
                    if cursor.rowcount != count:
                        sys.exit(f"Only {cursor.rowcount} persons for the My day pick {pick!r}, not {count}.")
                for statement in MYDAY_SQL:
                    cursor.execute(sql(statement), params)
                step(cursor, "myday", f"{MYDAY_EMAIL}: 2,000 persons assigned, their day set up", started)
            changed = True
        if args.today and "myday" in done:
            with transaction.atomic():
                for statement in MYDAY_TODAY_SQL:
                    cursor.execute(sql(statement), params)
            print(f"{MYDAY_EMAIL}: the day moved to today ({time.monotonic() - started:.0f}s)", flush=True)
        if changed or args.refresh or "contact_dates" not in done:
            cursor.execute(CONTACT_DATES_SQL)
            updated = cursor.rowcount
            cursor.execute(CONTACT_DATES_NONE_SQL)
            step(cursor, "contact_dates", f"contact dates of {updated + cursor.rowcount:,} persons", started)
            for table in (
                "interactions",
                "messages",
                "persons",
                "lead_extensions",
                "referral_extensions",
                "member_extensions",
            ):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
            print(f"VACUUM (ANALYZE) done ({time.monotonic() - started:.0f}s)", flush=True)
    print(f"done in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
