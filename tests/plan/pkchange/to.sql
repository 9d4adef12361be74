CREATE TABLE users (uuid text PRIMARY KEY, email text NOT NULL);
CREATE TABLE devices (uuid text NOT NULL, user_uuid text NOT NULL REFERENCES users (uuid), name text NOT NULL,
                      CONSTRAINT devices_pkey PRIMARY KEY (uuid, user_uuid), CONSTRAINT devices_uuid_key UNIQUE (uuid));
CREATE TABLE logins (id integer PRIMARY KEY, device text REFERENCES devices (uuid));
CREATE TABLE notes (id integer NOT NULL, body text);
