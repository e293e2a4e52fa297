-- 0002 access: organisations beyond the registry (associations), users and their roles,
-- sessions, rate-limit buckets and banks' API tokens. Sessions and buckets live here, not in
-- a process, so several `yinqi serve` processes can share one PostgreSQL.

-- Banking associations (银行业协会): they see aggregates only.
CREATE TABLE associations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- A person who logs in. The role says what they do; the organisation columns say for whom:
-- bureau staff have bureau_code; a bank admin has bank_id (and bureau_code when the admin is
-- a provincial branch's); branch staff and customer managers have bank_id and branch_code.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    bureau_code TEXT REFERENCES bureaus (code),
    bank_id BIGINT REFERENCES banks (id),
    branch_code TEXT REFERENCES bank_branches (code),
    association_id BIGINT REFERENCES associations (id),
    password_hash TEXT,
    active BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_bank ON users (bank_id);
CREATE INDEX users_bureau ON users (bureau_code);

-- Login sessions; the id is kept only as a SHA-256 hash.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    client TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Fixed-window counters for throttling (logins per account and per client, code guesses).
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);

-- A bank's API tokens for its own systems; only a SHA-256 hash is kept.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    bank_id BIGINT NOT NULL REFERENCES banks (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_bank ON api_tokens (bank_id);

-- The customer manager an enterprise is given to (a user with role customer_manager).
ALTER TABLE enterprises ADD COLUMN manager_id BIGINT REFERENCES users (id);
CREATE INDEX enterprises_manager ON enterprises (manager_id) WHERE manager_id IS NOT NULL;
CREATE INDEX enterprises_bank ON enterprises (campaign_id, bank_id, id) WHERE bank_id IS NOT NULL;
CREATE INDEX enterprises_branch ON enterprises (campaign_id, branch_code, id) WHERE branch_code IS NOT NULL;
