-- planted defect: codes cut to two characters
ALTER TABLE items ALTER COLUMN code TYPE varchar(2) USING left(code, 2);
