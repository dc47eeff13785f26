/**
 * `node dist/prisma-free/cli.js up|status|down [--steps <n>]`: the path deployments name for
 * migrations (the Helm chart's Job), as the owner role (DATABASE_MIGRATION_URL). It is the
 * one migrate command, `npm run migrate` / `ringfence migrate` (apps/api/src/bootstrap/migrate.cli.ts):
 * `--help` prints its usage, examples and exit codes.
 */
import '../apps/api/src/bootstrap/migrate.cli';
