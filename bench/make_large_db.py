"""Fill a benchmark database with N persons (default 1,000,000) using set-based SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orca_bench \\
        .venv/bin/python bench/make_large_db.py --persons 1000000

The database is migrated first. Rows are generated inside PostgreSQL (generate_series), so a
million persons take minutes (2½ to 11 on the 2-core machine, by its load) rather than hours
through the ORM. Names, emails and phones
are drawn from small pools so searches have realistic hit rates; a third of persons are leads
(333,333 of a million), a fifth referrals, two fifths members, and role extensions exist exactly
for role holders. Each person is assigned to one of the users that exist when it runs, or to
nobody, in equal shares drawn from a hash (not from the row number, whose residues would give
all leads to the same users).

Every extension row gets the journey through its pipeline that the boards would have recorded
(status_history, stage_entered_at, updated_at, the stage durations; see PipelineData below).
Rows of a database filled before this generator wrote histories (an empty status_history) are
given theirs by a set-based UPDATE on the next run, so an old data set need not be rebuilt.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orca.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Aisha",
    "Mei",
    "Olga",
    "Rahul",
    "Fatima",
    "Kenji",
    "Ingrid",
    "Diego",
    "Amara",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Nguyen",
    "Kowalski",
    "Okafor",
    "Yamamoto",
    "Lindqvist",
    "Petrov",
    "Haddad",
    "Fischer",
    "Rossi",
]

PERSONS_SQL = """
INSERT INTO persons (
    id, first_name, last_name, email, phone, secondary_phone, address, gender,
    preferred_contact_method, preferred_contact_times, contact_frequency_preference,
    email_opt_in, sms_opt_in, social_profiles, is_lead, is_referral, is_member, active_status,
    acquisition_source, acquisition_campaign, utm_parameters, referral_source, interest_level, goals,
    preferred_membership, interested_services, preferred_schedule, special_requirements,
    budget_range, payment_preferences, price_sensitivity, profile_completeness, tags,
    custom_fields, assigned_to, created_at, updated_at, last_contacted, next_scheduled_contact, notes
)
SELECT gen_random_uuid(), f.name, l.name,
       lower(f.name || '.' || l.name || g || '@example.com'),
       '+1555' || lpad((g %% 10000000)::text, 7, '0'), '', '{}'::jsonb, '',
       (ARRAY['email','sms','phone'])[1 + g %% 3], '[]'::jsonb, '',
       g %% 2 = 0, g %% 3 = 0, '{}'::jsonb,
       g %% 3 = 0, g %% 5 = 0, g %% 5 IN (1, 2), g %% 17 <> 0,
       (ARRAY['walk_in','website','referral','social_media','event'])[1 + g %% 5], '', '{}'::jsonb, '',
       (ARRAY['low','medium','high'])[1 + g %% 3], '', '', '{}', '{}'::jsonb, '', '', '', '', 40,
       CASE WHEN g %% 11 = 0 THEN ARRAY['vip'] WHEN g %% 7 = 0 THEN ARRAY['corporate'] ELSE '{}' END,
       '{}'::jsonb, u.ids[1 + (hashtext('assigned:' || g) & 2147483647) %% array_length(u.ids, 1)],
       now() - (g %% 1000) * interval '1 day', now(),
       CASE WHEN g %% 4 = 0 THEN NULL ELSE now() - (g %% 300) * interval '1 hour' END,
       CASE WHEN g %% 6 = 0 THEN now() + (g %% 90 - 30) * interval '1 day' END, ''
FROM generate_series(%(start)s, %(stop)s) AS g
JOIN LATERAL (SELECT %(first)s::text[] AS a) fa ON true
JOIN LATERAL (SELECT %(last)s::text[] AS a) la ON true
JOIN LATERAL (SELECT fa.a[1 + g %% array_length(fa.a, 1)] AS name) f ON true
JOIN LATERAL (SELECT la.a[1 + (g / 7) %% array_length(la.a, 1)] AS name) l ON true
CROSS JOIN (SELECT array_agg(id) || ARRAY[NULL::uuid] AS ids FROM users) u
"""

# --- Role extensions with pipeline histories ------------------------------------------------------
#
# Every extension row walks its pipeline's stages in order up to its current status, as the boards'
# moves would have written it: status_history holds one {"status", "at", "by": null, "note": ""}
# entry per stage, stage_entered_at and updated_at are the last entry's `at`, and the durations map
# (stage_duration_days / time_in_stage_days) holds the days spent in each stage left. A closed
# status (won, lost, joined, declined, …) ends a path of its own length. The times fall within the
# last 365 days: the last entry anywhere in the year, the earlier ones half a day to two weeks
# apart (the same gap within a row). Each row's draws come from hashes of its person's id, so the
# same person gets the same journey whichever way the row was made (INSERT here or the backfill).


def sql_text_array(values) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


@dataclass(frozen=True)
class PipelineData:
    table: str
    flag: str  # the persons column of the role
    status: str  # the status column
    durations: str  # the durations map column
    # Current statuses and their weights in percent (sum 100).
    weights: tuple[tuple[str, int], ...]
    # The stages a card passes in order; a status on this path is reached by walking it.
    path: tuple[str, ...]
    # Statuses off the path (closed ones): the SQL for how many path stages come before them.
    ends: dict[str, str]
    # Other columns that follow from the journey: name -> SQL over st.status, pa.path, h.*, r.*.
    extra: dict[str, str]
    # Columns of a new row that do not depend on the journey (INSERT only).
    fixed: dict[str, str]


LOST_REASONS = [
    "Price",
    "Chose another club",
    "Moved away",
    "No time",
    "Not interested any more",
    "No response",
]

LEADS = PipelineData(
    table="lead_extensions",
    flag="is_lead",
    status="lead_status",
    durations="stage_duration_days",
    weights=(
        ("new", 22),
        ("contacted", 14),
        ("qualified", 10),
        ("tour_scheduled", 5),
        ("tour_completed", 4),
        ("trial", 5),
        ("negotiating", 4),
        ("won", 14),
        ("lost", 22),
    ),
    path=("new", "contacted", "qualified", "tour_scheduled", "tour_completed", "trial", "negotiating"),
    # Won from qualified, tour completed, trial or negotiating; lost from any open stage.
    ends={"won": "(ARRAY[3, 5, 6, 7, 7])[1 + r.b % 5]", "lost": "1 + r.b % 7"},
    extra={
        "lost_reason": f"CASE WHEN st.status = 'lost' THEN ({sql_text_array(LOST_REASONS)})"
        f"[1 + r.d % {len(LOST_REASONS)}] ELSE '' END",
        "conversion_probability": "CASE st.status WHEN 'new' THEN 10 WHEN 'contacted' THEN 20 "
        "WHEN 'qualified' THEN 35 WHEN 'tour_scheduled' THEN 45 WHEN 'tour_completed' THEN 55 "
        "WHEN 'trial' THEN 65 WHEN 'negotiating' THEN 80 WHEN 'won' THEN 100 ELSE 0 END",
        "visit_completed": "'tour_completed' = ANY (pa.path)",
        "trial_status": "CASE WHEN st.status = 'trial' THEN 'active' "
        "WHEN 'trial' = ANY (pa.path) THEN 'completed' ELSE 'not_started' END",
        "trial_start_date": "CASE WHEN st.status = 'trial' THEN h.last_at END",
        "trial_end_date": "CASE WHEN st.status = 'trial' THEN h.last_at + interval '7 days' END",
    },
    fixed={
        "decision_authority": "''",
        "decision_timeline": "''",
        "previous_experience": "''",
        "competitor_considerations": "'{}'",
        "pain_points": "'{}'",
        "motivations": "'{}'",
        "objections": "'{}'",
        "lead_temperature": "(ARRAY['cold','warm','hot'])[1 + r.a % 3]",
        "forms_completed": "'{}'::jsonb",
        "documents_shared": "'{}'",
        "payment_info_collected": "false",
        "conversion_blockers": "'{}'",
    },
)

REFERRALS = PipelineData(
    table="referral_extensions",
    flag="is_referral",
    status="referral_status",
    durations="time_in_stage_days",
    weights=(
        ("received", 20),
        ("contacted", 15),
        ("appointment_booked", 10),
        ("visited", 10),
        ("joined", 20),
        ("declined", 15),
        ("unresponsive", 10),
    ),
    path=("received", "contacted", "appointment_booked", "visited"),
    # Joined from an appointment or a visit; declined from any stage; unresponsive before a visit.
    ends={
        "joined": "(ARRAY[3, 4, 4])[1 + r.b % 3]",
        "declined": "1 + r.b % 4",
        "unresponsive": "1 + r.b % 3",
    },
    extra={
        "appointment_status": "CASE WHEN st.status = 'appointment_booked' THEN 'scheduled' "
        "WHEN 'visited' = ANY (pa.path) THEN 'completed' ELSE 'not_scheduled' END",
        "appointment_date": "CASE WHEN st.status = 'appointment_booked' "
        "THEN h.last_at + interval '3 days' END",
        "conversion_status": "CASE st.status WHEN 'joined' THEN 'converted' "
        "WHEN 'declined' THEN 'not_converted' ELSE 'pending' END",
        "conversion_date": "CASE WHEN st.status = 'joined' THEN h.last_at END",
    },
    fixed={
        "relationship_to_referrer": "''",
        "relationship_strength": "''",
        "permission_level": "'contact_allowed'",
        "google_calendar_event_id": "''",
        "eligible_incentives": "'{}'",
        "incentives_awarded": "'{}'",
        "marketing_materials_sent": "'{}'",
        "campaign_enrollments": "'{}'",
        "nurture_sequence_status": "'{}'::jsonb",
    },
)

MEMBERS = PipelineData(
    table="member_extensions",
    flag="is_member",
    status="membership_status",
    durations="stage_duration_days",
    weights=(
        ("pending", 5),
        ("active", 60),
        ("frozen", 10),
        ("past_due", 5),
        ("cancelled", 15),
        ("expired", 5),
    ),
    path=("pending", "active"),
    ends={"frozen": "2", "past_due": "2", "cancelled": "2", "expired": "2"},
    extra={
        "join_date": "CASE WHEN cardinality(pa.path) >= 2 THEN (h.history[2] ->> 'at')::timestamptz END",
        "membership_end_date": "CASE WHEN st.status IN ('cancelled', 'expired') THEN h.last_at END",
        "payment_status": "CASE WHEN st.status = 'past_due' THEN 'overdue' ELSE 'current' END",
    },
    fixed={
        "membership_type": "'standard'",
        "check_in_count": "0",
        "attendance_streak": "0",
        "classes_attended": "'{}'",
        "lifetime_value": "0",
        "current_monthly_spend": "0",
        "churn_risk": "'low'",
        "retention_actions": "'{}'",
        "referral_count": "0",
        "successful_referrals": "0",
        "referral_rewards_earned": "0",
    },
)

PIPELINE_DATA = (LEADS, REFERRALS, MEMBERS)

# Four independent non-negative draws per person (hashtext & 2^31-1, never abs(): abs(-2^31) fails).
_DRAWS = """CROSS JOIN LATERAL (SELECT hashtext({pid}::text) & 2147483647 AS a,
                                   hashtext({pid}::text || ':path') & 2147483647 AS b,
                                   hashtext({pid}::text || ':when') & 2147483647 AS c,
                                   hashtext({pid}::text || ':gap') & 2147483647 AS d,
                                   hashtext({pid}::text || ':status') & 2147483647 AS s) r"""

# The journey of one row: its stages (pa.path), then its history, durations and first/last times
# (h.*). The last entry lies anywhere in the last 365 days minus the path's length; the entries
# before it are `gap` seconds apart (12 hours to 13½ days).
_JOURNEY = """CROSS JOIN LATERAL (SELECT CASE {ends} ELSE main[1:array_position(main, st.status)] END AS path
                   FROM (SELECT {path}::text[] AS main) m) pa
CROSS JOIN LATERAL (
    SELECT array_agg(jsonb_build_object('status', x.st, 'at', x.at, 'by', NULL, 'note', '') ORDER BY x.i)
               AS history,
           coalesce(jsonb_object_agg(x.st, round((t.gap / 86400)::numeric, 2)) FILTER (WHERE x.i < t.n),
                    '{{}}'::jsonb) AS durations,
           min(x.at) AS first_at,
           max(x.at) AS last_at
    FROM (SELECT cardinality(pa.path) AS n, (43200 + r.d % 1123200)::float8 AS gap) t
    CROSS JOIN LATERAL (
        SELECT u.st, u.i,
               now() - ((r.c % 1000000) / 1000000.0 * (31536000 - (t.n - 1) * t.gap)
                        + (t.n - u.i) * t.gap) * interval '1 second' AS at
        FROM unnest(pa.path) WITH ORDINALITY AS u(st, i)
    ) x
) h"""


def _status_pick(data: PipelineData) -> str:
    """A weighted draw of the current status from r.s."""
    whens, upto = [], 0
    for status, weight in data.weights:
        upto += weight
        whens.append(f"WHEN r.s % 100 < {upto} THEN '{status}'")
    assert upto == 100, data.table
    return f"CASE {' '.join(whens)} END"


def _journey(data: PipelineData) -> str:
    ends = " ".join(
        f"WHEN st.status = '{status}' THEN main[1:{length}] || '{status}'::text"
        for status, length in data.ends.items()
    )
    return _JOURNEY.format(ends=ends, path=sql_text_array(data.path))


def insert_sql(data: PipelineData) -> str:
    """New extension rows for the role holders that have none, each with its journey."""
    columns = {
        "id": "gen_random_uuid()",
        "person_id": "p.id",
        **data.fixed,
        data.status: "st.status",
        "status_history": "h.history",
        data.durations: "h.durations",
        "stage_entered_at": "h.last_at",
        **data.extra,
        "created_at": "h.first_at",
        "updated_at": "h.last_at",
    }
    return f"""INSERT INTO {data.table} ({", ".join(columns)})
SELECT {", ".join(columns.values())}
FROM persons p
LEFT JOIN {data.table} e ON e.person_id = p.id
{_DRAWS.format(pid="p.id")}
CROSS JOIN LATERAL (SELECT ({_status_pick(data)})::text AS status) st
{_journey(data)}
WHERE p.{data.flag} AND e.id IS NULL"""


def backfill_sql(data: PipelineData) -> str:
    """Give rows made before histories were generated (empty status_history) the journey to their
    current status: the same journey a new row of that person and status gets."""
    columns = {
        "status_history": "h.history",
        data.durations: "h.durations",
        "stage_entered_at": "h.last_at",
        **data.extra,
        "updated_at": "h.last_at",
    }
    sets = ", ".join(f"{name} = {value}" for name, value in columns.items())
    return f"""UPDATE {data.table} AS target SET {sets}
FROM {data.table} e
{_DRAWS.format(pid="e.person_id")}
CROSS JOIN LATERAL (SELECT e.{data.status}::text AS status) st
{_journey(data)}
WHERE target.id = e.id AND cardinality(e.status_history) = 0"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM persons")
        have = cursor.fetchone()[0]
        for start in range(have + 1, args.persons + 1, args.batch):
            stop = min(start + args.batch - 1, args.persons)
            cursor.execute(PERSONS_SQL, {"start": start, "stop": stop, "first": FIRST, "last": LAST})
            print(f"persons {stop:,}", flush=True)
        for data in PIPELINE_DATA:
            cursor.execute(insert_sql(data))
            print(f"{data.table}: {cursor.rowcount:,} new rows", flush=True)
            # Rows of a database filled before the generator wrote histories get theirs now.
            cursor.execute(backfill_sql(data))
            if cursor.rowcount:
                print(f"{data.table}: {cursor.rowcount:,} rows given a status history", flush=True)
        # VACUUM as well as ANALYZE: it sets the visibility map, without which every index-only
        # scan (the boards' capped counts) visits the heap too, which a database in service does
        # not (autovacuum keeps its map), and it clears the old versions of backfilled rows.
        for table in ("persons", *(data.table for data in PIPELINE_DATA)):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("ANALYZE")
    print(f"done in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
