import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [],
  unclaimed: [
    {
      ids: ['V12.1.1', 'V12.1.2', 'V12.2.1', 'V12.2.2', 'V12.1.4', 'V12.1.5'],
      why: 'Not met in this repository: Ringfence listens in plain HTTP and leaves TLS to the operator’s terminating proxy or ingress; neither the compose nginx (docker/nginx/scale.conf, port 8080, plain HTTP) nor the Helm chart (no Ingress) configures TLS, so protocol versions, cipher suites, certificates, OCSP and ECH are the operator’s, and no test checks them. Every answer carries HSTS (one year, subdomains; claimed under V3), which only helps once TLS is in front.',
    },
    {
      ids: ['V12.1.3'],
      why: 'Not applicable: no caller is authenticated by a TLS client certificate; admins use JWTs, integrations API keys, custody providers signed callbacks.',
    },
    {
      ids: ['V12.3.1'],
      why: 'Partly: outbound webhooks must be https in production (WEBHOOK_ALLOW_HTTP is refused there) and the Fireblocks API origin must be https in production, but TLS is not required for PostgreSQL (`DATABASE_URL` takes no enforced sslmode), Redis (`redis://` is accepted), SMTP (`smtp://` is accepted, STARTTLS not required) or the OTLP exporter.',
    },
    {
      ids: ['V12.3.2'],
      why: 'Partly: webhook deliveries and the Fireblocks client use Node’s TLS defaults (certificates verified, the URL’s host name sent as SNI and checked), and nothing disables verification, but no test shows an untrusted certificate refused, and the database, Redis and SMTP connections verify only what their URLs and drivers ask.',
    },
    {
      ids: ['V12.3.3', 'V12.3.4', 'V12.3.5'],
      why: 'Not met: internal traffic is plain: the load balancer to the API replicas (HTTP), the replicas and worker to PostgreSQL and Redis as configured by URL; there is no internal CA, no mutual TLS and no service mesh in the compose file or the Helm chart.',
    },
  ],
};
export default claims;
