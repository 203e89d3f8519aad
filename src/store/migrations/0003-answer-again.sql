-- Regenerate and edit: a user message can be answered more than once (each new answer replaces
-- the one before), so turns are no longer unique per user message. A turn that replaced an
-- answer names it; an answer is replaced at most once, which makes a retried regenerate
-- (the AI SDK names the message it regenerates) find the turn it already started.
-- Released migrations are never edited: add a new numbered file instead.

ALTER TABLE turns DROP CONSTRAINT turns_user_message_id_key;

-- The turns of a user message, newest last; also what deleting messages cascades through.
CREATE INDEX turns_user_message_id_created_at_index ON turns (user_message_id, created_at);

ALTER TABLE turns ADD COLUMN replaced_message_id text NULL;

CREATE UNIQUE INDEX turns_replaced_message_id_index ON turns (replaced_message_id)
  WHERE replaced_message_id IS NOT NULL;
