DROP TABLE mail_outbox;
DROP TABLE admin_password_resets;
DROP TABLE admin_recovery_codes;
DROP TABLE admin_mfa_challenges;
DROP TABLE admin_refresh_tokens;
DROP TABLE admin_sessions;
DROP TABLE admins;
DROP FUNCTION app_outside_workspace();
