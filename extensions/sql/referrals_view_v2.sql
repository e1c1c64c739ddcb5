-- referrals_view, version 2: every person holding the role, with their referral_extensions row.
-- p.* is expanded when the view is created: a column added to persons later needs a new version
-- of this file (and the test in extensions/tests/test_views.py will say so).
-- Version 2 adds what the referral board shows, so a card needs no query of its own:
-- stage_entered_at, and who referred the person (primary referrer first, then by share).
CREATE VIEW referrals_view AS
SELECT p.*,
       e.id AS referral_id,
       e.created_at AS referral_created_at,
       e.updated_at AS referral_updated_at,
       e.relationship_to_referrer,
       e.relationship_strength,
       e.permission_level,
       e.referral_status,
       e.status_history,
       e.time_in_stage_days,
       e.stage_entered_at,
       e.appointment_date,
       e.appointment_status,
       e.google_calendar_event_id,
       e.conversion_status,
       e.conversion_date,
       e.conversion_probability,
       e.eligible_incentives,
       e.incentives_awarded,
       e.marketing_materials_sent,
       e.campaign_enrollments,
       e.nurture_sequence_status,
       -- Scalar subqueries, evaluated only for the rows a query outputs (a board column's 25),
       -- never by a count over the view.
       (SELECT r.person_a_id FROM relationships r
        WHERE r.person_b_id = p.id AND r.relationship_type = 'referral' AND r.is_primary_referrer
        LIMIT 1) AS primary_referrer_id,
       ARRAY(SELECT concat_ws(' ', a.first_name, a.last_name)
             FROM relationships r JOIN persons a ON a.id = r.person_a_id
             WHERE r.person_b_id = p.id AND r.relationship_type = 'referral'
             ORDER BY r.is_primary_referrer DESC, r.attribution_percentage DESC NULLS LAST,
                      a.last_name, a.first_name) AS referrer_names
FROM persons p
JOIN referral_extensions e ON e.person_id = p.id
WHERE p.is_referral;
