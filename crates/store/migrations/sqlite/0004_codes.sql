-- 0004 codes: invitation codes (一企一码, DESIGN §5), the batches they travel in from HQ to
-- the bureau, the bank and its customer managers, each hand-over, and manager codes.

-- The codes of one bank's enterprises in one bureau's list. `holder` is where the batch is
-- now: hq → bureau → bank → managers. Only a bank (and, once handed on, its managers) can
-- read the codes themselves; HQ and the bureau see counts.
CREATE TABLE code_batches (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    bureau_code TEXT NOT NULL REFERENCES bureaus (code),
    bank_id BIGINT NOT NULL REFERENCES banks (id),
    holder TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    handed_at BIGINT NOT NULL,
    UNIQUE (campaign_id, bureau_code, bank_id)
);

-- Every hand-over of a batch, with who did it and how many codes it carried.
CREATE TABLE code_handovers (
    id INTEGER PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES code_batches (id),
    from_holder TEXT NOT NULL,
    to_holder TEXT NOT NULL,
    codes BIGINT NOT NULL,
    detail TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX code_handovers_batch ON code_handovers (batch_id);

-- An enterprise's code. Lookups go by the SHA-256 of the code; the code itself is kept so
-- the bank can push the link again (SMS export, the manager's workbench). A revoked code
-- stays for the record and never opens anything again.
CREATE TABLE enterprise_codes (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    batch_id BIGINT NOT NULL REFERENCES code_batches (id),
    code_hash BLOB NOT NULL UNIQUE,
    code TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by TEXT,
    revoke_reason TEXT
);
CREATE UNIQUE INDEX enterprise_codes_one_active ON enterprise_codes (enterprise_id) WHERE active;
CREATE INDEX enterprise_codes_batch ON enterprise_codes (batch_id, enterprise_id) WHERE active;

-- A customer manager's activation code: used once to set a password, kept only as a hash.
CREATE TABLE manager_codes (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    code_hash BLOB NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX manager_codes_user ON manager_codes (user_id);
