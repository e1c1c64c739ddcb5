-- members_view, version 1: every person holding the role, with their member_extensions row.
-- p.* is expanded when the view is created: a column added to persons later needs a new version
-- of this file (and the test in extensions/tests/test_views.py will say so).
CREATE OR REPLACE VIEW members_view AS
SELECT p.*,
       e.id AS member_id,
       e.created_at AS member_created_at,
       e.updated_at AS member_updated_at,
       e.membership_type,
       e.membership_status,
       e.status_history,
       e.stage_duration_days,
       e.join_date,
       e.membership_end_date,
       e.billing_day,
       e.check_in_count,
       e.last_check_in,
       e.attendance_streak,
       e.classes_attended,
       e.lifetime_value,
       e.current_monthly_spend,
       e.payment_status,
       e.satisfaction_score,
       e.churn_risk,
       e.retention_actions,
       e.referral_count,
       e.successful_referrals,
       e.referral_rewards_earned
FROM persons p
JOIN member_extensions e ON e.person_id = p.id
WHERE p.is_member;
