-- A session's conversation (its messages and its waiting messages, each as a JSON array, oldest
-- first) as a function, so that one statement can store a new message with `start_turn` and read
-- the conversation that call leaves: the function is VOLATILE, so its query takes a fresh
-- snapshot, which sees what `start_turn` wrote earlier in the same statement (a subquery of that
-- statement would not). PL/pgSQL, whose plans are kept per connection (a SQL function's are made
-- again at every call). `json` columns keep their text inside the arrays, so parts and metadata
-- read back exactly as written.
-- Released migrations are never edited: add a new numbered file instead.
--
-- Parameters: the session (NULL: no rows at all). Returns one row: messages, pending_messages.
CREATE FUNCTION session_conversation(conversation_session_id text)
RETURNS TABLE (messages json, pending_messages json)
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
  IF conversation_session_id IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY SELECT
    (SELECT coalesce(json_agg(history ORDER BY history.sequence), '[]'::json) FROM (
      SELECT messages.id, messages.session_id, messages.role, messages.parts, messages.metadata,
        messages.sequence
      FROM messages WHERE messages.session_id = conversation_session_id
    ) history),
    (SELECT coalesce(json_agg(waiting ORDER BY waiting.sequence), '[]'::json) FROM (
      SELECT pending_messages.session_id, pending_messages.message, pending_messages.mode,
        pending_messages.created_at, pending_messages.sequence
      FROM pending_messages
      WHERE pending_messages.session_id = conversation_session_id
        AND pending_messages.taken_by_turn_id IS NULL
    ) waiting);
END;
$$;
