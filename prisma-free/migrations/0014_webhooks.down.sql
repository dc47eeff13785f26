DROP TRIGGER webhook_deliveries_fan_out ON domain_events;
DROP FUNCTION webhook_deliveries_fan_out();
DROP TABLE webhook_delivery_attempts;
DROP TABLE webhook_deliveries;
DROP FUNCTION webhook_deliveries_guard();
DROP TABLE webhook_endpoints;
