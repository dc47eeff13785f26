DROP TABLE vault_secret_versions;
DROP TABLE vault_secrets;
DROP FUNCTION app_key_rewrap();
