-- finishTurn in one call for the common answer (no tool calls, no steering messages): the same
-- statements the store's transaction runs, in the same order and under the same locks, but on the
-- server, so ending a turn costs one round trip instead of five (BEGIN, two locking reads, the
-- writes, COMMIT). Each statement takes a fresh snapshot, as separate statements did.
-- Released migrations are never edited: add a new numbered file instead.
--
-- Parameters: the turn; its outcome (status, error) and usage (input, output, total tokens: the
-- turn's own, NULL when unknown; the session adds them as 0); the answer's role, parts and metadata
-- as JSON text, all NULL for no answer. The answer is stored under the turn's
-- assistant_message_id: appended after the session's last message, or, if the session holds that
-- id already (a continued answer), rewritten in place (an answer without parts keeps the stored
-- parts).
--
-- Returns one of: 'finished'; 'not-unfinished' (no such turn, or it ended already: nothing
-- written); 'conflict:<message id>' (the session uses the answer's id for a message of another
-- role: nothing written).
CREATE FUNCTION finish_turn(
  turn_id text,
  turn_status text,
  turn_error text,
  input_tokens bigint,
  output_tokens bigint,
  total_tokens bigint,
  message_role text,
  message_parts json,
  message_metadata json
) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
  locked_session_id text;
  current_status text;
  answer_id text;
  stored_role text;
BEGIN
  -- Session before turn, as every writer of a session's messages locks them.
  SELECT sessions.id INTO locked_session_id
  FROM turns JOIN sessions ON sessions.id = turns.session_id
  WHERE turns.id = finish_turn.turn_id
  FOR UPDATE OF sessions;
  IF NOT FOUND THEN
    RETURN 'not-unfinished';
  END IF;
  SELECT turns.status, turns.assistant_message_id, messages.role
  INTO current_status, answer_id, stored_role
  FROM turns LEFT JOIN messages ON messages.session_id = turns.session_id
    AND messages.id = turns.assistant_message_id
  WHERE turns.id = finish_turn.turn_id
  FOR UPDATE OF turns;
  IF NOT FOUND OR current_status NOT IN ('queued', 'running') THEN
    RETURN 'not-unfinished';
  END IF;
  IF finish_turn.message_role IS NOT NULL THEN
    IF stored_role IS NULL THEN
      INSERT INTO messages (id, session_id, sequence, role, parts, metadata)
      SELECT answer_id, locked_session_id, coalesce(max(sequence), 0) + 1,
        finish_turn.message_role, finish_turn.message_parts, finish_turn.message_metadata
      FROM messages WHERE session_id = locked_session_id;
    ELSIF stored_role = finish_turn.message_role THEN
      UPDATE messages SET metadata = finish_turn.message_metadata,
        parts = CASE WHEN json_array_length(finish_turn.message_parts) = 0 THEN parts
          ELSE finish_turn.message_parts END
      WHERE id = answer_id AND session_id = locked_session_id;
    ELSE
      RETURN 'conflict:' || answer_id;
    END IF;
  END IF;
  UPDATE turns SET status = finish_turn.turn_status, error = finish_turn.turn_error,
    input_tokens = finish_turn.input_tokens, output_tokens = finish_turn.output_tokens,
    total_tokens = finish_turn.total_tokens, finished_at = clock_timestamp()
  WHERE id = finish_turn.turn_id;
  UPDATE sessions SET input_tokens = sessions.input_tokens + coalesce(finish_turn.input_tokens, 0),
    output_tokens = sessions.output_tokens + coalesce(finish_turn.output_tokens, 0),
    total_tokens = sessions.total_tokens + coalesce(finish_turn.total_tokens, 0),
    updated_at = clock_timestamp()
  WHERE id = locked_session_id;
  RETURN 'finished';
END;
$$;
