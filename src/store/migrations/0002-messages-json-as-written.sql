-- Parts and metadata keep the JSON text as written. jsonb re-sorts object keys (shorter keys
-- first), so a tool output that streamed as {"expression": …, "result": 84} came back from a
-- reload as {"result": 84, "expression": …} and the client showed it differently. json stores
-- the text it was given and still rejects what is not JSON. Rows written before keep the key
-- order jsonb gave them; they read as before.
ALTER TABLE messages
  ALTER COLUMN parts TYPE json USING parts::json,
  ALTER COLUMN metadata TYPE json USING metadata::json;
