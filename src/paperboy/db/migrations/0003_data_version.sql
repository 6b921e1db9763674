-- A counter every write bumps: the web layer's response cache is valid while it is unchanged.
CREATE TABLE data_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL DEFAULT 0
);
INSERT INTO data_version DEFAULT VALUES;
