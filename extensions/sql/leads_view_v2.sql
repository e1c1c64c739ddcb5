-- leads_view, version 2: every person holding the role, with their lead_extensions row.
-- p.* is expanded when the view is created: a column added to persons later needs a new version
-- of this file (and the test in extensions/tests/test_views.py will say so).
-- Version 2 adds the columns the pipeline boards read: stage_entered_at, lost_reason.
CREATE VIEW leads_view AS
SELECT p.*,
       e.id AS lead_id,
       e.created_at AS lead_created_at,
       e.updated_at AS lead_updated_at,
       e.decision_authority,
       e.decision_timeline,
       e.previous_experience,
       e.competitor_considerations,
       e.pain_points,
       e.motivations,
       e.objections,
       e.readiness_score,
       e.lead_temperature,
       e.lead_status,
       e.status_history,
       e.stage_duration_days,
       e.stage_entered_at,
       e.lost_reason,
       e.visit_completed,
       e.visit_date,
       e.trial_status,
       e.trial_start_date,
       e.trial_end_date,
       e.forms_completed,
       e.documents_shared,
       e.payment_info_collected,
       e.conversion_probability,
       e.estimated_value,
       e.conversion_blockers
FROM persons p
JOIN lead_extensions e ON e.person_id = p.id
WHERE p.is_lead;
