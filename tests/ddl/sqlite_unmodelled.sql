-- every SQLite feature the model cannot hold, one each (hand-written)
CREATE TABLE h(id integer PRIMARY KEY AUTOINCREMENT, host text COLLATE NOCASE,
               n int CHECK (n > 0), g int GENERATED ALWAYS AS (n * 2));
CREATE INDEX h_lower ON h(lower(host));
CREATE INDEX h_part ON h(n) WHERE n > 10;
CREATE INDEX h_desc ON h(n DESC);
CREATE TABLE s(k int PRIMARY KEY, v text) STRICT, WITHOUT ROWID;
CREATE TABLE c(hid int REFERENCES h ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
               gone2 int REFERENCES nowhere2);
CREATE VIEW hv AS SELECT id FROM h;
CREATE TRIGGER c_tr AFTER INSERT ON c BEGIN SELECT 1; END;
