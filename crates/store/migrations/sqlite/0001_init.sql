-- 0001 initial schema: campaigns, reference data, bank registry, the enterprise list.
-- Kept in step with migrations/postgres/0001_init.sql (same tables, columns and indexes).

-- Campaigns: every list, case, code and answer belongs to one (DESIGN §2).
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    tax_credit_year BIGINT NOT NULL,
    size_standard TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

-- The 36 provincial-level bureaus (reference data, seeded from the domain crate).
CREATE TABLE bureaus (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    area TEXT NOT NULL
);

-- Banks as legal entities (法人机构) and their branches keyed by payment-system bank code.
CREATE TABLE banks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    bank_type TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE bank_branches (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    bank_id BIGINT NOT NULL REFERENCES banks (id),
    region_code TEXT NOT NULL,
    bureau_code TEXT REFERENCES bureaus (code),
    parent_code TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX bank_branches_bank ON bank_branches (bank_id);
CREATE INDEX bank_branches_bureau ON bank_branches (bureau_code);

-- A bureau's eligibility options for a campaign (DOMAIN §4, §8).
CREATE TABLE bureau_settings (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    bureau_code TEXT NOT NULL REFERENCES bureaus (code),
    accept_c BOOLEAN NOT NULL,
    accept_d BOOLEAN NOT NULL,
    accept_m BOOLEAN NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, bureau_code)
);

-- One row per file loaded, with its summary as JSON.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT REFERENCES campaigns (id),
    bureau_code TEXT REFERENCES bureaus (code),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    actor TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    row_count BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    summary TEXT NOT NULL
);

-- The enterprise list: one case per enterprise per campaign. Screening results are stored
-- (exclusions as a bit set in DOMAIN §8 order, warnings as a bit set) so lists filter fast.
-- campaign_id, bureau_code, import_id and first_import_id carry no foreign keys: a list
-- load writes millions of rows and the per-row checks would cost more than half of it
-- (PostgreSQL: about 3.5 s per key per million rows). The store guarantees them instead:
-- a load checks its campaign and bureau first and writes its import row before any list
-- row, and campaigns, bureaus and imports are never deleted.
CREATE TABLE enterprises (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL,
    uscc TEXT NOT NULL,
    bureau_code TEXT NOT NULL,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    employees BIGINT,
    revenue BIGINT,
    assets BIGINT,
    tax_credit TEXT,
    tax_credit_year BIGINT NOT NULL,
    entity_type TEXT NOT NULL,
    special_category TEXT,
    dishonest BOOLEAN NOT NULL,
    account_bank_code TEXT,
    account_bank_raw TEXT,
    contact_name TEXT,
    contact_phone TEXT,
    size_class TEXT,
    size_unknown TEXT,
    exclusions BIGINT NOT NULL,
    override TEXT,
    eligible BOOLEAN NOT NULL,
    branch_code TEXT,
    bank_id BIGINT,
    unassigned TEXT,
    warnings BIGINT NOT NULL,
    import_id BIGINT NOT NULL,
    first_import_id BIGINT NOT NULL,
    source_line BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX enterprises_uscc ON enterprises (campaign_id, uscc);
CREATE INDEX enterprises_bureau ON enterprises (campaign_id, bureau_code, id);
CREATE INDEX enterprises_overridden ON enterprises (campaign_id, bureau_code) WHERE override IS NOT NULL;

-- An enterprise another bureau tried to list again: it stays with its first bureau (R10).
CREATE TABLE cross_bureau_duplicates (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    claimant_bureau TEXT NOT NULL REFERENCES bureaus (code),
    owner_bureau TEXT NOT NULL REFERENCES bureaus (code),
    import_id BIGINT NOT NULL REFERENCES imports (id),
    source_line BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (campaign_id, uscc, claimant_bureau)
);

-- A bureau's include/exclude decisions, append-only; enterprises.override holds the latest.
CREATE TABLE eligibility_overrides (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX eligibility_overrides_enterprise ON eligibility_overrides (enterprise_id);

-- Append-only audit trail (imports, overrides, later logins, exports, unmasking).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    campaign_id BIGINT,
    bureau_code TEXT,
    subject TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
