-- Receipt lists filtered by key (GET /v1/receipts?key_id=, the console's usage page) read newest first per key.
CREATE INDEX receipts_by_key ON receipts (key_id, id);
