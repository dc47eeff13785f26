'use strict';
// What the bench's fixtures share: a JSON call to the app, the embedded cluster's superuser,
// and a pool of the app's role.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Client, Pool } = require('pg');

/** A JSON request to the running app; throws on any non-2xx answer. */
async function call(base, method, path, body, token, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A client for the embedded cluster's superuser (seeding through SQL), not yet connected. */
function superuser(dataDir, pgPort) {
  const password = readFileSync(join(dataDir, 'pg.superuser'), 'utf8').trim();
  return new Client({ connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/ringfence` });
}

/** A pool of `size` connections as the app's role (what the app's statements run as), not yet opened. */
function appRolePool(dataDir, pgPort, size, applicationName) {
  const password = readFileSync(join(dataDir, 'pg.app'), 'utf8').trim();
  return new Pool({
    connectionString: `postgres://ringfence_app:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/ringfence`,
    max: size,
    min: size,
    application_name: applicationName,
  });
}

module.exports = { call, superuser, appRolePool };
