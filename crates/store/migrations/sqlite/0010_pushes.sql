-- 0010 pushes: every time a customer manager (or the bank) sends an enterprise its
-- invitation link — by SMS, WeChat, phone or in person — one row, kept as history. An
-- enterprise counts as "pushed" while a push of its code in force exists: after a revoke and
-- reissue the new link has not been sent yet.
CREATE TABLE code_pushes (
    id INTEGER PRIMARY KEY,
    code_id BIGINT NOT NULL REFERENCES enterprise_codes (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'wechat', 'phone', 'in_person')),
    user_id BIGINT REFERENCES users (id),
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
-- The workbench asks "was the code in force pushed?" once per enterprise of a manager.
CREATE INDEX code_pushes_code ON code_pushes (code_id, at);
CREATE INDEX code_pushes_enterprise ON code_pushes (enterprise_id, id);
