-- Uploaded files of the scale-out mode: every API process reads and writes the same rows, so a
-- file uploaded through one process downloads through any other. Contents are bytea in the row:
-- uploads are small (MAX_FILE_BYTES, 10 MB by default), and one transactional store keeps a file
-- and its description from ever disagreeing. The embedded mode keeps files on disk instead
-- (disk-file-store.ts); the table exists there too, unused, as every migration applies to both.
-- Released migrations are never edited: add a new numbered file instead.

CREATE TABLE files (
  id text PRIMARY KEY,
  -- The uploader; no foreign key: users are not rows of ours, and files outlive sessions.
  user_id text NOT NULL,
  filename text NOT NULL,
  media_type text NOT NULL,
  size_bytes integer NOT NULL CHECK (size_bytes >= 0),
  content bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- A user's files, newest first: the listing and its count.
CREATE INDEX files_user_created ON files (user_id, created_at DESC, id DESC);
