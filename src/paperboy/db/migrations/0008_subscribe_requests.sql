-- Subscribe requests of the last hour, for the limits on confirmation emails (per client,
-- per mailbox, per domain, in total). Kept in the database so every worker and machine of
-- an instance counts the same; rows older than an hour are deleted as new ones come in.
CREATE TABLE subscribe_requests (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    client   text NOT NULL,  -- IP address; an IPv6 address as its /64 network
    mailbox  text NOT NULL,  -- the address without its +tag, lower-cased
    domain   text NOT NULL
);
CREATE INDEX subscribe_requests_at ON subscribe_requests (at);
