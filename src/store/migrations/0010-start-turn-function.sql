-- startTurn in one call: the statements the store's transaction ran (lock the session, look the
-- message up, store it with its queued turn), on the server, so a new message costs one round
-- trip instead of five. Each statement takes a fresh snapshot, as separate statements did: the
-- look-up runs after the session lock, so a concurrent duplicate is seen once it has committed.
-- Released migrations are never edited: add a new numbered file instead.
--
-- Parameters: the session; the user message (id, role, parts and metadata as JSON text); the new
-- turn's id and its assistant message id; the title the session takes if it has none (NULL: none);
-- whether to store nothing while a turn of the session is queued or running.
--
-- Returns one row: `outcome` and `turn` (a row of turns, NULL where none):
--   'created'   the message and its queued turn were stored (a waiting follow-up with that id is
--               taken by the turn); `turn` is the new turn
--   'existing'  the message is stored already (a retried request), or a turn already took it as a
--               follow-up: `turn` is that turn; nothing written
--   'missing'   no such session; 'unsettled' a turn of the session is unfinished (only when asked);
--   'conflict'  the session uses the message id for another role, or for a message that started
--               no turn: nothing written
CREATE FUNCTION start_turn(
  session_id text,
  message_id text,
  message_role text,
  message_parts json,
  message_metadata json,
  new_turn_id text,
  new_assistant_message_id text,
  new_title text,
  only_if_settled boolean
) RETURNS TABLE (outcome text, turn turns)
LANGUAGE plpgsql
AS $$
DECLARE
  stored_role text;
  taker text;
BEGIN
  -- Serializes every writer of this session: a concurrent duplicate waits here, then sees ours.
  PERFORM 1 FROM sessions WHERE sessions.id = start_turn.session_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'missing', NULL::turns;
    RETURN;
  END IF;
  IF only_if_settled AND EXISTS (
    SELECT 1 FROM turns
    WHERE turns.session_id = start_turn.session_id AND turns.status IN ('queued', 'running')
  ) THEN
    RETURN QUERY SELECT 'unsettled', NULL::turns;
    RETURN;
  END IF;
  SELECT messages.role INTO stored_role FROM messages
  WHERE messages.session_id = start_turn.session_id AND messages.id = message_id;
  IF FOUND THEN
    IF stored_role <> message_role THEN
      RETURN QUERY SELECT 'conflict', NULL::turns;
      RETURN;
    END IF;
    RETURN QUERY
      SELECT CASE WHEN latest IS NULL THEN 'conflict' ELSE 'existing' END, latest
      FROM (
        SELECT (SELECT turns FROM turns
          WHERE turns.session_id = start_turn.session_id AND turns.user_message_id = message_id
          ORDER BY turns.created_at DESC, turns.id DESC LIMIT 1) AS latest
      ) AS found;
    RETURN;
  END IF;
  SELECT pending_messages.taken_by_turn_id INTO taker FROM pending_messages
  WHERE pending_messages.session_id = start_turn.session_id AND pending_messages.id = message_id;
  IF taker IS NOT NULL THEN
    RETURN QUERY SELECT 'existing', turns FROM turns WHERE turns.id = taker;
    RETURN;
  END IF;
  INSERT INTO messages (id, session_id, sequence, role, parts, metadata)
  SELECT message_id, start_turn.session_id, coalesce(max(sequence), 0) + 1, message_role,
    message_parts, message_metadata
  FROM messages WHERE messages.session_id = start_turn.session_id;
  INSERT INTO turns (id, session_id, user_message_id, assistant_message_id, status)
  VALUES (new_turn_id, start_turn.session_id, message_id, new_assistant_message_id, 'queued');
  UPDATE pending_messages SET taken_by_turn_id = new_turn_id
  WHERE pending_messages.session_id = start_turn.session_id
    AND pending_messages.id = message_id AND taken_by_turn_id IS NULL;
  UPDATE sessions SET updated_at = clock_timestamp(), title = coalesce(title, new_title)
  WHERE sessions.id = start_turn.session_id;
  RETURN QUERY SELECT 'created', turns FROM turns WHERE turns.id = new_turn_id;
END;
$$;
