DROP TRIGGER IF EXISTS lead_extensions_role_guard ON lead_extensions;
DROP TRIGGER IF EXISTS referral_extensions_role_guard ON referral_extensions;
DROP TRIGGER IF EXISTS member_extensions_role_guard ON member_extensions;
DROP TRIGGER IF EXISTS lead_extensions_role_guard_move ON lead_extensions;
DROP TRIGGER IF EXISTS referral_extensions_role_guard_move ON referral_extensions;
DROP TRIGGER IF EXISTS member_extensions_role_guard_move ON member_extensions;
DROP FUNCTION IF EXISTS orca_extension_role_guard();
