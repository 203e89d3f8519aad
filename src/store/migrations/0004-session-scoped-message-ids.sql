-- Message ids are unique within their session, no longer across the whole database. A client
-- chooses the id of the message it sends (its idempotency key), and a global key let anyone
-- learn that an id was taken in someone else's chat (409) and take an id before its owner used
-- it. The same id in two sessions is now two independent messages, and everything that names a
-- message by id names its session too. Existing rows already satisfy the new keys: a turn and
-- the message it answers have always been in the same session.
-- Released migrations are never edited: add a new numbered file instead.

ALTER TABLE turns DROP CONSTRAINT turns_user_message_id_fkey;

ALTER TABLE messages DROP CONSTRAINT messages_pkey;

ALTER TABLE messages ADD CONSTRAINT messages_pkey PRIMARY KEY (session_id, id);

ALTER TABLE turns ADD CONSTRAINT turns_user_message_fkey
  FOREIGN KEY (session_id, user_message_id) REFERENCES messages (session_id, id) ON DELETE CASCADE;

-- The turns of a user message, newest last; also what deleting messages cascades through.
DROP INDEX turns_user_message_id_created_at_index;

CREATE INDEX turns_session_id_user_message_id_created_at_index
  ON turns (session_id, user_message_id, created_at);

-- An answer is replaced at most once in its session (see 0003).
DROP INDEX turns_replaced_message_id_index;

CREATE UNIQUE INDEX turns_session_id_replaced_message_id_index
  ON turns (session_id, replaced_message_id) WHERE replaced_message_id IS NOT NULL;
