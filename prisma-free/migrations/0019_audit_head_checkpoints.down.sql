DROP TABLE audit_head_checkpoints;
