-- Follow-ups sent while a turn runs (steer / queue): accepted durably before any model sees
-- them, so neither a crash nor the end of the running turn loses one. A row waits until a turn
-- takes it: as a steering message the running turn's model received, or as the user message
-- of the next turn. The row stays after that, naming its turn, so a retried POST of the same
-- message id finds where the message went.
-- Released migrations are never edited: add a new numbered file instead.

CREATE TABLE pending_messages (
  session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  -- The UIMessage id: with the session, the same idempotency key as a stored message's.
  id text NOT NULL,
  -- Insertion order; written under the session lock, so it is the order within a session.
  sequence bigint GENERATED ALWAYS AS IDENTITY,
  -- The whole UIMessage; json, not jsonb, keeps its text as written (see 0002).
  message json NOT NULL,
  mode text NOT NULL CHECK (mode IN ('steer', 'queue')),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- NULL while waiting. A turn removed from the history (a regenerate or an edit removes the
  -- turns after the message it answers again) takes the follow-ups it received with it, as it
  -- takes its answer; a discarded turn gives them back before it goes (see discardTurn).
  taken_by_turn_id text NULL REFERENCES turns (id) ON DELETE CASCADE,
  PRIMARY KEY (session_id, id)
);

-- A session's waiting follow-ups in order: listing them, counting them per session and, through
-- the sessions of a user, per user.
CREATE INDEX pending_messages_waiting_session_id_sequence_index
  ON pending_messages (session_id, sequence) WHERE taken_by_turn_id IS NULL;

-- The sweeper: waiting follow-ups older than a cut, oldest first.
CREATE INDEX pending_messages_waiting_created_at_index
  ON pending_messages (created_at) WHERE taken_by_turn_id IS NULL;

-- The follow-ups a turn took: what discarding or removing that turn touches.
CREATE INDEX pending_messages_taken_by_turn_id_index
  ON pending_messages (taken_by_turn_id) WHERE taken_by_turn_id IS NOT NULL;

-- Unfinished turns per session (and, through the sessions of a user, per user), for the limit
-- on running turns and the session's own listing; finished turns, the vast majority, stay out.
CREATE INDEX turns_unfinished_session_id_created_at_index
  ON turns (session_id, created_at) WHERE status IN ('queued', 'running');
