#!/bin/sh
# Runs once, when the PostgreSQL data volume is first created (the postgres image's init hook):
# the dashboard's login role. Its grants are given by the release step (`tracker db
# grant-app-role tracker_app`), after the tables exist.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_password="$TRACKER_APP_PASSWORD" <<'SQL'
CREATE ROLE tracker_app LOGIN PASSWORD :'app_password';
SQL
