CREATE TABLE t(id integer PRIMARY KEY, at timestamptz DEFAULT now(), j jsonb DEFAULT '{}'::jsonb);
