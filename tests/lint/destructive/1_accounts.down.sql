DROP TABLE audit;
DROP TABLE accounts;
