-- The webhook worker's claim counts each endpoint's deliveries in flight across every worker
-- (pending with a live lease) to keep it under WEBHOOK_ENDPOINT_CONCURRENCY
-- (docs/adr/0021-webhook-delivery.md). Through webhook_deliveries_due that count read every
-- pending delivery of the endpoint, a backlog's too, at every claim; this index holds the
-- claimed ones only (a record clears claimed_until), so the count reads at most those.
CREATE INDEX webhook_deliveries_in_flight ON webhook_deliveries (endpoint_id, claimed_until)
  WHERE status = 'pending' AND claimed_until IS NOT NULL;
