-- 0009 visit feedback: the enterprise confirms (or denies) a visit a customer manager
-- recorded with questionnaire 2, and rates it. One per visit; written once by the
-- enterprise through its invitation code; read by the bank side, the bureau and HQ for the
-- quality checks and spot checks (a visit reported but denied is a finding).
CREATE TABLE visit_feedback (
    id INTEGER PRIMARY KEY,
    response_id BIGINT NOT NULL UNIQUE REFERENCES responses (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    took_place BOOLEAN NOT NULL,
    rating BIGINT CHECK (rating BETWEEN 1 AND 5),
    comment TEXT,
    at BIGINT NOT NULL,
    ip_hash BLOB,
    CHECK (took_place OR rating IS NULL)
);
CREATE INDEX visit_feedback_enterprise ON visit_feedback (enterprise_id);
