DROP TABLE vault_secret_versions;
DROP TABLE vault_secrets;
