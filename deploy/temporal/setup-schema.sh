#!/bin/sh
# Creates or upgrades Temporal's PostgreSQL schemas. Runs once per
# `docker compose up` in the temporalio/admin-tools image, before the server
# starts; re-running it on an up-to-date database is a no-op.
set -eu
tool() { temporal-sql-tool --plugin postgres12 --ep postgresql -p 5432 -u "$POSTGRES_USER" "$@"; }
schema=/etc/temporal/schema/postgresql/v12

for db in temporal temporal_visibility; do
  dir=temporal
  [ "$db" = temporal_visibility ] && dir=visibility
  tool --db "$db" create || true   # fails harmlessly when the database exists
  tool --db "$db" setup-schema -v 0.0 || true   # ditto for the version table
  tool --db "$db" update-schema -d "$schema/$dir/versioned"
done
echo "Temporal schema ready"
