-- A key may expire: from then on it is refused like a revoked key (401 key_expired).
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
