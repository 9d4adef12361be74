-- planted defect: the index of the up is left behind
ALTER TABLE items DROP COLUMN note;
