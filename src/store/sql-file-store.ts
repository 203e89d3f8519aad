import { randomUUID } from 'node:crypto';
import { fileIdPattern, type FileStore, type NewFile, type StoredFile } from './file-store.ts';
import { migrate } from './migrate.ts';
import type { SqlClient } from './sql-client.ts';

interface FileRow {
  id: string;
  user_id: string;
  filename: string;
  media_type: string;
  size_bytes: number;
  created_at: Date;
}

const described = 'id, user_id, filename, media_type, size_bytes, created_at';

/**
 * The scale-out FileStore: the `files` table (migration 0007) of the PostgreSQL every API process
 * shares. Descriptions are read without the `content` column, so listing never loads bytes.
 */
export class SqlFileStore implements FileStore {
  readonly #client: SqlClient;

  private constructor(client: SqlClient) {
    this.#client = client;
  }

  /** Migrates the client's schema, then stores files in it; closing the store closes the client. */
  static async open(client: SqlClient): Promise<SqlFileStore> {
    await migrate(client);
    return new SqlFileStore(client);
  }

  async saveFile(file: NewFile): Promise<StoredFile> {
    const [row] = await this.#client.query<FileRow>(
      `INSERT INTO files (id, user_id, filename, media_type, size_bytes, content)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${described}`,
      [
        randomUUID(),
        file.userId,
        file.filename,
        file.mediaType,
        file.content.byteLength,
        Buffer.from(file.content.buffer, file.content.byteOffset, file.content.byteLength),
      ],
    );
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return storedFile(row);
  }

  async getFile(userId: string, id: string): Promise<StoredFile | null> {
    const [file] = await this.getFiles(userId, [id]);
    return file ?? null;
  }

  async getFiles(userId: string, ids: readonly string[]): Promise<StoredFile[]> {
    const wellFormed = ids.filter((id) => fileIdPattern.test(id));
    if (wellFormed.length === 0) return [];
    const rows = await this.#client.query<FileRow>(
      `SELECT ${described} FROM files WHERE user_id = $1 AND id = ANY($2::text[])`,
      [userId, wellFormed],
    );
    return rows.map(storedFile);
  }

  async readFile(
    userId: string,
    id: string,
  ): Promise<{ file: StoredFile; content: Uint8Array } | null> {
    if (!fileIdPattern.test(id)) return null;
    const [row] = await this.#client.query<FileRow & { content: Uint8Array }>(
      `SELECT ${described}, content FROM files WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    return row ? { file: storedFile(row), content: new Uint8Array(row.content) } : null;
  }

  async listFiles(query: {
    userId: string;
    limit: number;
    offset: number;
  }): Promise<{ files: StoredFile[]; total: number }> {
    const [rows, total] = await Promise.all([
      this.#client.query<FileRow>(
        `SELECT ${described} FROM files WHERE user_id = $1
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
        [query.userId, query.limit, query.offset],
      ),
      this.countFiles(query.userId),
    ]);
    return { files: rows.map(storedFile), total };
  }

  async countFiles(userId: string): Promise<number> {
    const [counted] = await this.#client.query<{ total: number | string }>(
      'SELECT count(*) AS total FROM files WHERE user_id = $1',
      [userId],
    );
    return Number(counted?.total ?? 0);
  }

  async deleteFile(userId: string, id: string): Promise<boolean> {
    if (!fileIdPattern.test(id)) return false;
    const rows = await this.#client.query(
      'DELETE FROM files WHERE user_id = $1 AND id = $2 RETURNING id',
      [userId, id],
    );
    return rows.length > 0;
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

function storedFile(row: FileRow): StoredFile {
  return {
    id: row.id,
    userId: row.user_id,
    filename: row.filename,
    mediaType: row.media_type,
    sizeBytes: Number(row.size_bytes),
    createdAt: row.created_at,
  };
}
