import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileIdPattern, type FileStore, type NewFile, type StoredFile } from './file-store.ts';

interface Description {
  id: string;
  userId: string;
  filename: string;
  mediaType: string;
  sizeBytes: number;
  createdAt: string;
}

/**
 * The embedded FileStore: plain files under one folder (`DATA_DIR/files`), one folder per owner
 * (named by a digest of the user id, which may hold any character), and per file its bytes
 * (`<id>.bin`) and its description (`<id>.json`).
 *
 * Descriptions live beside the bytes, not in the chat store's PGlite: that database runs on one
 * thread that every chat write waits for, and files are the only thing of the owner's that
 * outlives sessions — nothing joins them. Each file is written under a temporary name and renamed,
 * the description last, so a file exists exactly when its description does: a crash mid-upload
 * leaves an unlisted temporary file, never a half-written one. Listing reads the owner's folder,
 * which is as many descriptions as that one user uploaded.
 */
export class DiskFileStore implements FileStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  async saveFile(file: NewFile): Promise<StoredFile> {
    const stored: StoredFile = {
      id: randomUUID(),
      userId: file.userId,
      filename: file.filename,
      mediaType: file.mediaType,
      sizeBytes: file.content.byteLength,
      createdAt: new Date(),
    };
    const folder = this.#folderOf(file.userId);
    await mkdir(folder, { recursive: true });
    await writeAtomically(join(folder, `${stored.id}.bin`), file.content);
    const description: Description = { ...stored, createdAt: stored.createdAt.toISOString() };
    await writeAtomically(join(folder, `${stored.id}.json`), JSON.stringify(description));
    return stored;
  }

  async getFile(userId: string, id: string): Promise<StoredFile | null> {
    if (!fileIdPattern.test(id)) return null;
    return this.#describe(join(this.#folderOf(userId), `${id}.json`));
  }

  async getFiles(userId: string, ids: readonly string[]): Promise<StoredFile[]> {
    const files = await Promise.all([...new Set(ids)].map((id) => this.getFile(userId, id)));
    return files.filter((file) => file !== null);
  }

  async readFile(
    userId: string,
    id: string,
  ): Promise<{ file: StoredFile; content: Uint8Array } | null> {
    const file = await this.getFile(userId, id);
    if (!file) return null;
    const content = await readFile(join(this.#folderOf(userId), `${id}.bin`)).catch(missingAsNull);
    // Deleted between the two reads: it is gone.
    return content ? { file, content: new Uint8Array(content) } : null;
  }

  async listFiles(query: {
    userId: string;
    limit: number;
    offset: number;
  }): Promise<{ files: StoredFile[]; total: number }> {
    const folder = this.#folderOf(query.userId);
    const described = await Promise.all(
      (await this.#descriptionNames(folder)).map((name) => this.#describe(join(folder, name))),
    );
    const files = described
      .filter((file) => file !== null)
      .sort(
        (left, right) =>
          right.createdAt.getTime() - left.createdAt.getTime() ||
          (left.id < right.id ? 1 : left.id > right.id ? -1 : 0),
      );
    return { files: files.slice(query.offset, query.offset + query.limit), total: files.length };
  }

  async countFiles(userId: string): Promise<number> {
    return (await this.#descriptionNames(this.#folderOf(userId))).length;
  }

  async deleteFile(userId: string, id: string): Promise<boolean> {
    if (!fileIdPattern.test(id)) return false;
    const folder = this.#folderOf(userId);
    const description = join(folder, `${id}.json`);
    // Renamed away first: of two concurrent deletes exactly one succeeds, and the file stops
    // existing at once, before its bytes are removed.
    const removing = join(folder, `${id}.${randomUUID()}.removing`);
    const removed = await rename(description, removing).then(
      () => true,
      (error: unknown) => missingAsNull(error) ?? false,
    );
    if (!removed) return false;
    await rm(join(folder, `${id}.bin`), { force: true });
    await rm(removing, { force: true });
    return true;
  }

  async close(): Promise<void> {
    // Every write is finished before its call resolves: nothing is held open.
  }

  #folderOf(userId: string): string {
    return join(this.#root, createHash('sha256').update(userId).digest('hex'));
  }

  /** `<id>.json` of every file in the folder; temporary and removing files end otherwise. */
  async #descriptionNames(folder: string): Promise<string[]> {
    const names = (await readdir(folder).catch(missingAsNull)) ?? [];
    return names.filter((name) => name.endsWith('.json'));
  }

  async #describe(path: string): Promise<StoredFile | null> {
    const text = await readFile(path, 'utf8').catch(missingAsNull);
    if (text === null) return null;
    const description = JSON.parse(text) as Description;
    return { ...description, createdAt: new Date(description.createdAt) };
  }
}

async function writeAtomically(path: string, content: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

/** A missing file or folder reads as null; any other failure is a real one. */
function missingAsNull(error: unknown): null {
  if ((error as { code?: unknown } | null)?.code === 'ENOENT') return null;
  throw error;
}
