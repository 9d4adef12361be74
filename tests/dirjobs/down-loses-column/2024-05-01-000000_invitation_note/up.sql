ALTER TABLE invitations ADD COLUMN note TEXT;
