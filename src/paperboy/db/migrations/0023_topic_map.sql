-- The topic map (issue 25): where each paper of a topic is drawn, and each topic's centre
-- (its label's place). Written by the topic build with the rest of a topic; nothing else.
ALTER TABLE topic_papers ADD COLUMN x real NOT NULL DEFAULT 0, ADD COLUMN y real NOT NULL DEFAULT 0;
ALTER TABLE topics ADD COLUMN x real NOT NULL DEFAULT 0, ADD COLUMN y real NOT NULL DEFAULT 0;
