ALTER TABLE admin_refresh_tokens DROP COLUMN replaced_by;
