-- members_view, version 2: every person holding the role, with their member_extensions row.
-- p.* is expanded when the view is created: a column added to persons later needs a new version
-- of this file (and the test in extensions/tests/test_views.py will say so).
-- Version 2 adds the columns the pipeline boards read: stage_entered_at, churn_reason.
CREATE VIEW members_view AS
SELECT p.*,
       e.id AS member_id,
       e.created_at AS member_created_at,
       e.updated_at AS member_updated_at,
       e.membership_type,
       e.membership_status,
       e.status_history,
       e.stage_duration_days,
       e.stage_entered_at,
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
       e.churn_reason,
       e.retention_actions,
       e.referral_count,
       e.successful_referrals,
       e.referral_rewards_earned
FROM persons p
JOIN member_extensions e ON e.person_id = p.id
WHERE p.is_member;
