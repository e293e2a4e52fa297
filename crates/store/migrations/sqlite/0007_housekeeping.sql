-- 0007 housekeeping: old throttle windows and expired sessions are purged by time, so both
-- tables need finding rows by time without reading them all.
CREATE INDEX rate_limits_window ON rate_limits (window_start);
CREATE INDEX sessions_expiry ON sessions (expires_at);
