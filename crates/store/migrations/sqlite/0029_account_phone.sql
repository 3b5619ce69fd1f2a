-- A work phone on each account: the person's page gives the référent's,
-- so that a partner or a colleague can call them.
ALTER TABLE users ADD COLUMN phone TEXT;
