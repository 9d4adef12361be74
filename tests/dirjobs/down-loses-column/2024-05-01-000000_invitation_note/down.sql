-- planted defect: the rebuild keeps only the new column, so the down loses "email"
DROP TABLE invitations;
CREATE TABLE invitations (note TEXT);
