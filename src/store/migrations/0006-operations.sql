-- Long-running operations: work a tool started that outlives the turn that called it (a build, an
-- agent run, a report). The turn ends at once; the operation waits here, durable across restarts,
-- until its service completes it (webhook or queue), its deadline passes or its session goes.
-- Its completion is also a waiting message of the session (pending_messages, mode 'continue'),
-- which starts the continuation turn exactly once, behind whatever turn runs then.
-- Released migrations are never edited: add a new numbered file instead.

CREATE TABLE operations (
  id text PRIMARY KEY,
  session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  -- Where it was started: the turn, the assistant message holding the tool call and the call.
  -- No foreign key to turns: a regenerate may remove that turn, the operation still completes.
  turn_id text NOT NULL,
  assistant_message_id text NOT NULL,
  tool_call_id text NOT NULL,
  tool_name text NOT NULL,
  input json NOT NULL,
  -- Digest of the tool name and its input: one such operation in progress per session.
  input_key text NOT NULL,
  status text NOT NULL
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'expired', 'cancelled')),
  -- SHA-256 (hex) of the token handed to the service; the token itself is never stored.
  completion_token_hash text NOT NULL,
  cancel_url text NULL,
  deadline timestamptz NOT NULL,
  result json NULL,
  error text NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz NULL
);

-- "Already in progress": a second start of the same tool with the same input in a session
-- conflicts here, atomically, whichever executors race.
CREATE UNIQUE INDEX operations_in_progress_session_id_input_key_index
  ON operations (session_id, input_key) WHERE status IN ('pending', 'running');

-- The sweeper: operations in progress past their deadline.
CREATE INDEX operations_in_progress_deadline_index
  ON operations (deadline) WHERE status IN ('pending', 'running');

-- A session's operations, oldest first (the session view, deleting a session).
CREATE INDEX operations_session_id_created_at_index ON operations (session_id, created_at);

-- A finished operation's continuation waits as a message of the session like a queued follow-up,
-- but is never handed to a running turn: it starts a turn of its own.
ALTER TABLE pending_messages DROP CONSTRAINT pending_messages_mode_check;

ALTER TABLE pending_messages ADD CONSTRAINT pending_messages_mode_check
  CHECK (mode IN ('steer', 'queue', 'continue'));
