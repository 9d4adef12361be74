PRAGMA foreign_keys=OFF;
BEGIN;
CREATE TABLE n (x int);
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys=ON;
