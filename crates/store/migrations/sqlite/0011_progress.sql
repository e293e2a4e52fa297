-- 0011 progress: what the dashboards, the supervision list and the quality rules read
-- (issue 5 parts 1–3). Kept in step with migrations/postgres/0011_progress.sql.
--
-- The dashboards never scan the list: they read tallies kept here by a refresher (store
-- `progress`), which recomputes the cases that changed since its watermark and applies the
-- difference between each case's new facts and the facts it last counted.

-- What each enterprise's case last contributed: its keys (0 / '' for none), funnel stages
-- and quality flags as bit sets, amounts in yuan, days (China time) and the short keys of
-- its questionnaire 1's IP hash and mobile (the partial indexes count how many cases share
-- one). Reprocessing a case whose facts did not change changes nothing, which is what makes
-- the refresher safe to repeat.
CREATE TABLE progress_facts (
    enterprise_id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL,
    bureau_code TEXT NOT NULL,
    bank_id BIGINT NOT NULL,
    branch_code TEXT NOT NULL,
    manager_id BIGINT NOT NULL,
    stages BIGINT NOT NULL,
    flags BIGINT NOT NULL,
    demanded BIGINT NOT NULL,
    approved BIGINT NOT NULL,
    disbursed BIGINT NOT NULL,
    q1_day BIGINT,
    visit_day BIGINT,
    solution_day BIGINT,
    disbursed_day BIGINT,
    open_since BIGINT,
    ip_key BIGINT NOT NULL,
    mobile_key BIGINT NOT NULL
);
CREATE INDEX progress_facts_ip ON progress_facts (campaign_id, ip_key) WHERE ip_key <> 0;
CREATE INDEX progress_facts_mobile ON progress_facts (campaign_id, mobile_key) WHERE mobile_key <> 0;

-- Tallies per branch and customer manager (the bank's and branch's dashboards).
CREATE TABLE progress_branch (
    campaign_id BIGINT NOT NULL,
    bureau_code TEXT NOT NULL,
    bank_id BIGINT NOT NULL,
    branch_code TEXT NOT NULL,
    manager_id BIGINT NOT NULL,
    listed BIGINT NOT NULL DEFAULT 0,
    eligible BIGINT NOT NULL DEFAULT 0,
    assigned BIGINT NOT NULL DEFAULT 0,
    managed BIGINT NOT NULL DEFAULT 0,
    coded BIGINT NOT NULL DEFAULT 0,
    q1 BIGINT NOT NULL DEFAULT 0,
    need BIGINT NOT NULL DEFAULT 0,
    wants_visit BIGINT NOT NULL DEFAULT 0,
    visited BIGINT NOT NULL DEFAULT 0,
    solution BIGINT NOT NULL DEFAULT 0,
    approved BIGINT NOT NULL DEFAULT 0,
    disbursed BIGINT NOT NULL DEFAULT 0,
    demanded_yuan BIGINT NOT NULL DEFAULT 0,
    approved_yuan BIGINT NOT NULL DEFAULT 0,
    disbursed_yuan BIGINT NOT NULL DEFAULT 0,
    responded BIGINT NOT NULL DEFAULT 0,
    flagged BIGINT NOT NULL DEFAULT 0,
    f_too_fast BIGINT NOT NULL DEFAULT 0,
    f_shared_ip BIGINT NOT NULL DEFAULT 0,
    f_shared_mobile BIGINT NOT NULL DEFAULT 0,
    f_implausible BIGINT NOT NULL DEFAULT 0,
    f_visit_unwanted BIGINT NOT NULL DEFAULT 0,
    f_visit_before_q1 BIGINT NOT NULL DEFAULT 0,
    f_over_disbursed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, bureau_code, bank_id, branch_code, manager_id)
) WITHOUT ROWID;
CREATE INDEX progress_branch_branch ON progress_branch (campaign_id, branch_code);
CREATE INDEX progress_branch_manager ON progress_branch (campaign_id, manager_id) WHERE manager_id <> 0;

-- Tallies per bureau and bank (HQ's and the bureaus' dashboards): a few thousand rows for
-- the whole country, so the national page sums them in milliseconds.
CREATE TABLE progress_bank (
    campaign_id BIGINT NOT NULL,
    bureau_code TEXT NOT NULL,
    bank_id BIGINT NOT NULL,
    listed BIGINT NOT NULL DEFAULT 0,
    eligible BIGINT NOT NULL DEFAULT 0,
    assigned BIGINT NOT NULL DEFAULT 0,
    managed BIGINT NOT NULL DEFAULT 0,
    coded BIGINT NOT NULL DEFAULT 0,
    q1 BIGINT NOT NULL DEFAULT 0,
    need BIGINT NOT NULL DEFAULT 0,
    wants_visit BIGINT NOT NULL DEFAULT 0,
    visited BIGINT NOT NULL DEFAULT 0,
    solution BIGINT NOT NULL DEFAULT 0,
    approved BIGINT NOT NULL DEFAULT 0,
    disbursed BIGINT NOT NULL DEFAULT 0,
    demanded_yuan BIGINT NOT NULL DEFAULT 0,
    approved_yuan BIGINT NOT NULL DEFAULT 0,
    disbursed_yuan BIGINT NOT NULL DEFAULT 0,
    responded BIGINT NOT NULL DEFAULT 0,
    flagged BIGINT NOT NULL DEFAULT 0,
    f_too_fast BIGINT NOT NULL DEFAULT 0,
    f_shared_ip BIGINT NOT NULL DEFAULT 0,
    f_shared_mobile BIGINT NOT NULL DEFAULT 0,
    f_implausible BIGINT NOT NULL DEFAULT 0,
    f_visit_unwanted BIGINT NOT NULL DEFAULT 0,
    f_visit_before_q1 BIGINT NOT NULL DEFAULT 0,
    f_over_disbursed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, bureau_code, bank_id)
) WITHOUT ROWID;
CREATE INDEX progress_bank_bank ON progress_bank (campaign_id, bank_id);

-- The daily series: cases whose questionnaire 1, first visit, first solution and first
-- disbursement fell on each day.
CREATE TABLE progress_daily (
    campaign_id BIGINT NOT NULL,
    bureau_code TEXT NOT NULL,
    bank_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    q1 BIGINT NOT NULL DEFAULT 0,
    visited BIGINT NOT NULL DEFAULT 0,
    solution BIGINT NOT NULL DEFAULT 0,
    disbursed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, bureau_code, bank_id, day)
) WITHOUT ROWID;

-- Cases with an open financing solution, by the day it was last saved: "stuck for N days"
-- is a sum over the days before a cutoff, so it stays right as days pass with no change.
CREATE TABLE progress_open (
    campaign_id BIGINT NOT NULL,
    bureau_code TEXT NOT NULL,
    bank_id BIGINT NOT NULL,
    branch_code TEXT NOT NULL,
    manager_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, bureau_code, bank_id, branch_code, manager_id, day)
) WITHOUT ROWID;

-- The refresher's state (one row): changes up to `watermark` have been queued;
-- `complete_at` is the watermark of the last refresh that left nothing waiting — the time
-- the dashboards say they are up to date with.
CREATE TABLE progress_state (
    id BIGINT PRIMARY KEY,
    watermark BIGINT NOT NULL,
    refreshed_at BIGINT NOT NULL,
    complete_at BIGINT NOT NULL
);

-- Cases waiting to be recomputed, and whole bureaus being swept (after an import, an
-- options change, a bulk assignment…) from the enterprise after `after_id` on.
CREATE TABLE progress_queue (
    enterprise_id INTEGER PRIMARY KEY
);
CREATE TABLE progress_sweeps (
    campaign_id BIGINT NOT NULL,
    bureau_code TEXT NOT NULL,
    after_id BIGINT NOT NULL,
    requested_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, bureau_code)
);

-- Audit entries the refresher has acted on (it rereads a window of them, since entries
-- may commit out of order); pruned after a day.
CREATE TABLE progress_seen_audit (
    audit_id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL
);

-- Submitted answers by the time they were last saved: where the refresher finds new and
-- changed answers. Drafts are left out, so saving a draft costs no index entry.
CREATE INDEX responses_saved ON responses (saved_at) WHERE status = 'submitted';

-- A campaign's supervision settings: its schedule (phases, targets) and the quality rules'
-- thresholds, as JSON (domain `progress::Schedule` / `Thresholds`). No row: the defaults.
CREATE TABLE supervision_settings (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns (id),
    schedule TEXT,
    thresholds TEXT,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A bureau (or HQ) pressing a bank whose progress is slow or whose questionnaires are of
-- poor quality (督促), and the bank's reply. `bureau_code` is the territory it concerns
-- (NULL: HQ about the whole bank).
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    bureau_code TEXT REFERENCES bureaus (code),
    bank_id BIGINT NOT NULL REFERENCES banks (id),
    message TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    reply TEXT,
    replied_by TEXT,
    replied_at BIGINT
);
CREATE INDEX reminders_bank ON reminders (bank_id, id);
CREATE INDEX reminders_bureau ON reminders (campaign_id, bureau_code, id);

INSERT INTO progress_state (id, watermark, refreshed_at, complete_at) VALUES (1, 0, 0, 0);
