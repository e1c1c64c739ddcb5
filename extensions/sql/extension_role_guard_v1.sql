-- extension_role_guard, version 1: an extension row may only be inserted for a person holding
-- that role. Services set the flag first (extensions.services.person_set_roles); this keeps every
-- other path honest too (admin, shell, raw SQL). Dropping a role later keeps the row.
CREATE OR REPLACE FUNCTION orca_extension_role_guard() RETURNS trigger AS $$
DECLARE
    flag text := TG_ARGV[0];
    holds boolean;
BEGIN
    EXECUTE format('SELECT %I FROM persons WHERE id = $1', flag) INTO holds USING NEW.person_id;
    IF holds IS NOT TRUE THEN
        RAISE EXCEPTION 'person % does not hold the role for %', NEW.person_id, TG_TABLE_NAME
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- On UPDATE only when the row is moved to another person: Django's save() rewrites person_id on
-- every update, and editing a dropped role's kept data must stay possible.
CREATE TRIGGER lead_extensions_role_guard BEFORE INSERT ON lead_extensions
    FOR EACH ROW EXECUTE FUNCTION orca_extension_role_guard('is_lead');
CREATE TRIGGER lead_extensions_role_guard_move BEFORE UPDATE OF person_id ON lead_extensions
    FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id)
    EXECUTE FUNCTION orca_extension_role_guard('is_lead');
CREATE TRIGGER referral_extensions_role_guard BEFORE INSERT ON referral_extensions
    FOR EACH ROW EXECUTE FUNCTION orca_extension_role_guard('is_referral');
CREATE TRIGGER referral_extensions_role_guard_move BEFORE UPDATE OF person_id ON referral_extensions
    FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id)
    EXECUTE FUNCTION orca_extension_role_guard('is_referral');
CREATE TRIGGER member_extensions_role_guard BEFORE INSERT ON member_extensions
    FOR EACH ROW EXECUTE FUNCTION orca_extension_role_guard('is_member');
CREATE TRIGGER member_extensions_role_guard_move BEFORE UPDATE OF person_id ON member_extensions
    FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id)
    EXECUTE FUNCTION orca_extension_role_guard('is_member');
