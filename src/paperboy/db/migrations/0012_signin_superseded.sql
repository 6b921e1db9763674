-- A sign-in link (or invitation) put out of use because another link to the same address
-- was used says so, instead of claiming it was used itself.
ALTER TABLE signin_tokens ADD COLUMN superseded boolean NOT NULL DEFAULT false;
