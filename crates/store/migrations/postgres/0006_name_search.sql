-- 0006 name search: "the start of a name" is a range on this index, walked in name order,
-- so a page costs the same whether the prefix matches three enterprises or a million.
-- Released rows only (frozen lists — where banks, managers and, for months, HQ and the
-- bureaus search): a list being loaded does not maintain it; freezing fills it once. The
-- filter columns ride along so a scoped search filters inside the index.
CREATE INDEX enterprises_name ON enterprises (campaign_id, (name COLLATE "C"), id, bureau_code, bank_id, branch_code, manager_id) WHERE released;
