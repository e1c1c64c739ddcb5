-- referrals_view, version 1: every person holding the role, with their referral_extensions row.
-- p.* is expanded when the view is created: a column added to persons later needs a new version
-- of this file (and the test in extensions/tests/test_views.py will say so).
CREATE OR REPLACE VIEW referrals_view AS
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
       e.nurture_sequence_status
FROM persons p
JOIN referral_extensions e ON e.person_id = p.id
WHERE p.is_referral;
