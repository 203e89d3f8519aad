-- Sessions, their messages (AI SDK UIMessage parts) and the turns that produced them.
-- Released migrations are never edited: add a new numbered file instead.

CREATE TABLE sessions (
  id text PRIMARY KEY,
  user_id text NULL,
  title text NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  total_tokens bigint NOT NULL DEFAULT 0
);

CREATE INDEX sessions_user_id_updated_at_index ON sessions (user_id, updated_at DESC, id DESC);

-- The primary key is the UIMessage id, global across sessions, so a re-sent user message is
-- recognised wherever it comes from.
CREATE TABLE messages (
  id text PRIMARY KEY,
  session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  sequence integer NOT NULL,
  role text NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
  parts jsonb NOT NULL,
  metadata jsonb NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (session_id, sequence)
);

CREATE TABLE turns (
  id text PRIMARY KEY,
  session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  -- One turn per user message: the unique index is what makes startTurn idempotent.
  user_message_id text NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
  assistant_message_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
  error text NULL,
  input_tokens bigint NULL,
  output_tokens bigint NULL,
  total_tokens bigint NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at timestamptz NULL,
  finished_at timestamptz NULL
);

CREATE INDEX turns_session_id_created_at_index ON turns (session_id, created_at);
