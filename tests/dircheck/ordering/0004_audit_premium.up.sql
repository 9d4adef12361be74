-- planted defect: reads accounts.tier (added by 0003) through a SELECT the
-- table scan does not follow, so 0003 and 0004 look independent
INSERT INTO audit (account_id, note) SELECT id, 'premium' FROM accounts WHERE tier > 0;
