-- Banks see a bureau's list once it is released to them (R21: the list is settled first).
-- Their indexes hold released rows only, so loading and re-loading a draft list — millions
-- of rows — does not maintain them row by row; releasing builds their entries once.
ALTER TABLE enterprises ADD COLUMN released BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX enterprises_bank;
DROP INDEX enterprises_branch;
CREATE INDEX enterprises_bank ON enterprises (campaign_id, bank_id, id) WHERE released AND bank_id IS NOT NULL;
CREATE INDEX enterprises_branch ON enterprises (campaign_id, branch_code, id) WHERE released AND branch_code IS NOT NULL;
