-- The moderation log names members by id and shows their current name when read (or
-- "deleted member"), instead of a copy of the name taken when the entry was written: a
-- rename showed the old name, and a deleted member's name stayed where the copy was
-- matched by a name they no longer had (a renamed target, a hidden comment's author).

-- actor_name now holds only the name of an actor who is no member ("command line");
-- a member's name is read through actor_id, and NULL for both means a deleted member.
ALTER TABLE moderation_log ALTER COLUMN actor_name DROP NOT NULL;
UPDATE moderation_log SET actor_name = NULL WHERE actor_id IS NOT NULL OR actor_name = 'deleted member';

-- The member an admin action (invite, role) was about. Older entries are linked by the name
-- they stored, where a member still has it; the others keep the name as written.
ALTER TABLE moderation_log ADD COLUMN target_member_id bigint REFERENCES members (id) ON DELETE SET NULL;
CREATE INDEX moderation_log_target_member ON moderation_log (target_member_id)
    WHERE target_member_id IS NOT NULL;
UPDATE moderation_log l SET target_member_id = m.id, target = m.id::text
  FROM members m
 WHERE l.action IN ('invite', 'role') AND lower(m.name) = lower(l.target);

-- A hidden comment's author: the comment's member id, not their name.
UPDATE moderation_log l SET detail = (l.detail - 'author') || jsonb_build_object('author_id', c.member_id)
  FROM comments c
 WHERE l.action IN ('hide-comment', 'unhide-comment') AND c.id::text = l.target;
