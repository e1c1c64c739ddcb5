"""Fill a benchmark database with N persons (default 1,000,000) using set-based SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orca_bench \\
        .venv/bin/python bench/make_large_db.py --persons 1000000

The database is migrated first. Rows are generated inside PostgreSQL (generate_series), so a
million persons take about a minute rather than hours through the ORM. Names, emails and phones
are drawn from small pools so searches have realistic hit rates; a third of persons are leads,
a fifth referrals, two fifths members, and role extensions exist exactly for role holders.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
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
       '{}'::jsonb, u.ids[1 + g %% array_length(u.ids, 1)],
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

EXTENSIONS_SQL = [
    """INSERT INTO lead_extensions (id, person_id, decision_authority, decision_timeline,
        previous_experience, competitor_considerations, pain_points, motivations, objections,
        lead_temperature, lead_status, status_history, stage_duration_days, visit_completed,
        trial_status, forms_completed, documents_shared, payment_info_collected, conversion_blockers,
        created_at, updated_at)
       SELECT gen_random_uuid(), p.id, '', '', '', '{}', '{}', '{}', '{}',
        (ARRAY['cold','warm','hot'])[1 + abs(hashtext(p.id::text)) % 3],
        (ARRAY['new','contacted','qualified','tour_scheduled','trial','won','lost'])
            [1 + abs(hashtext(p.id::text)) % 7],
        '{}', '{}'::jsonb, false, 'not_started', '{}'::jsonb, '{}', false, '{}', now(), now()
       FROM persons p LEFT JOIN lead_extensions e ON e.person_id = p.id
       WHERE p.is_lead AND e.id IS NULL""",
    """INSERT INTO referral_extensions (id, person_id, relationship_to_referrer, relationship_strength,
        permission_level, referral_status, status_history, time_in_stage_days, appointment_status,
        google_calendar_event_id, conversion_status, eligible_incentives, incentives_awarded,
        marketing_materials_sent, campaign_enrollments, nurture_sequence_status, created_at, updated_at)
       SELECT gen_random_uuid(), p.id, '', '', 'contact_allowed',
        (ARRAY['received','contacted','appointment_booked','visited','joined'])
            [1 + abs(hashtext(p.id::text)) % 5],
        '{}', '{}'::jsonb, 'not_scheduled', '', 'pending', '{}', '{}', '{}', '{}', '{}'::jsonb, now(), now()
       FROM persons p LEFT JOIN referral_extensions e ON e.person_id = p.id
       WHERE p.is_referral AND e.id IS NULL""",
    """INSERT INTO member_extensions (id, person_id, membership_type, membership_status, status_history,
        stage_duration_days, check_in_count, attendance_streak, classes_attended, lifetime_value,
        current_monthly_spend, payment_status, churn_risk, retention_actions, referral_count,
        successful_referrals, referral_rewards_earned, created_at, updated_at)
       SELECT gen_random_uuid(), p.id, 'standard',
        (ARRAY['active','active','active','frozen','cancelled'])[1 + abs(hashtext(p.id::text)) % 5],
        '{}', '{}'::jsonb, 0, 0, '{}', 0, 0, 'current', 'low', '{}', 0, 0, 0, now(), now()
       FROM persons p LEFT JOIN member_extensions e ON e.person_id = p.id
       WHERE p.is_member AND e.id IS NULL""",
]


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
        for sql in EXTENSIONS_SQL:
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    print(f"done in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
