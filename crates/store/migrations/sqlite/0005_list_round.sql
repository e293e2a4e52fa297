-- The list round (R21): each bureau's list in a campaign goes draft → submitted → checked
-- by HQ → frozen, or back to the bureau as returned with HQ's remarks. No row means draft.
CREATE TABLE enterprise_lists (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    bureau_code TEXT NOT NULL REFERENCES bureaus (code),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'checked', 'returned', 'frozen')),
    remarks TEXT,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, bureau_code)
);

-- Every status change with its remarks, append-only: the list's story as both sides saw it.
CREATE TABLE enterprise_list_history (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    bureau_code TEXT NOT NULL REFERENCES bureaus (code),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    remarks TEXT,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX enterprise_list_history_list ON enterprise_list_history (campaign_id, bureau_code, id);

-- Long work (a list uploaded through the web) runs as a job whose state lives here, not in
-- one process, so any app process can show its progress and serve its error report; the
-- heartbeat tells a job whose process died from one still running.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    campaign_id BIGINT REFERENCES campaigns (id),
    bureau_code TEXT REFERENCES bureaus (code),
    file_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    progress_done BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT,
    progress_unit TEXT NOT NULL DEFAULT 'bytes',
    result TEXT,
    error TEXT,
    report_name TEXT,
    report BLOB,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    heartbeat_at BIGINT NOT NULL
);
CREATE INDEX jobs_list ON jobs (campaign_id, bureau_code, id);
