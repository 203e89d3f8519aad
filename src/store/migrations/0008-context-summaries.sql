-- What the model reads in place of a long session's oldest messages: when the history no longer
-- fits the model's context, the executor summarises its oldest part once and keeps the summary
-- here, so later turns reuse it instead of summarising the same messages again. One per session,
-- replaced as the conversation grows; the messages themselves are never touched (the user sees
-- the whole conversation, only the model reads the summary).
-- Released migrations are never edited: add a new numbered file instead.

CREATE TABLE context_summaries (
  session_id text PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
  -- The last message the summary covers (it and every message before it). A summary whose
  -- message is gone (a regenerate or an edit removed it) is not used.
  through_message_id text NOT NULL,
  text text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
