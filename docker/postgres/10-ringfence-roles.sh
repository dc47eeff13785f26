#!/usr/bin/env bash
# Runs once, when the PostgreSQL container initialises its data directory: the two roles
# of docs/adr/0002 and the database, owned by the owner role.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$RINGFENCE_OWNER_PASSWORD" -v app_password="$RINGFENCE_APP_PASSWORD" <<'SQL'
CREATE ROLE ringfence_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_password';
CREATE ROLE ringfence_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT PASSWORD :'app_password';
CREATE DATABASE ringfence OWNER ringfence_owner;
\connect ringfence
ALTER SCHEMA public OWNER TO ringfence_owner;
REVOKE ALL ON DATABASE ringfence FROM PUBLIC;
GRANT CONNECT ON DATABASE ringfence TO ringfence_app;
SQL
