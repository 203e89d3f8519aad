/** An uploaded file's description; its contents are read apart (`readFile`). */
export interface StoredFile {
  id: string;
  /** The user or visitor who uploaded it: the only caller who may see, use or delete it. */
  userId: string;
  filename: string;
  /** The type it was uploaded as (`image/png`), without parameters; downloads answer with it. */
  mediaType: string;
  sizeBytes: number;
  createdAt: Date;
}

export interface NewFile {
  userId: string;
  filename: string;
  mediaType: string;
  content: Uint8Array;
}

/**
 * Where uploaded files live: an owner-scoped store. Every read takes the owner, so another
 * user's file is indistinguishable from a missing one by construction (invariant 7), and an id
 * that could never be one (a path, an empty string) is simply not found.
 */
export interface FileStore {
  /** Stores the file under a new random id; it is readable once this resolves. */
  saveFile(file: NewFile): Promise<StoredFile>;
  /** The file if `userId` owns it, else null. */
  getFile(userId: string, id: string): Promise<StoredFile | null>;
  /** The files among `ids` that `userId` owns, in no particular order; unknown ids are left out. */
  getFiles(userId: string, ids: readonly string[]): Promise<StoredFile[]>;
  /** The file and its bytes if `userId` owns it, else null. */
  readFile(userId: string, id: string): Promise<{ file: StoredFile; content: Uint8Array } | null>;
  /** One page of the user's files, newest first (ties by id), and how many there are in all. */
  listFiles(query: {
    userId: string;
    limit: number;
    offset: number;
  }): Promise<{ files: StoredFile[]; total: number }>;
  /** How many files `userId` keeps. */
  countFiles(userId: string): Promise<number>;
  /** Removes the file if `userId` owns it; false when there was none to remove. */
  deleteFile(userId: string, id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** What a file id looks like: the same alphabet as every other id of the API, so never a path. */
export const fileIdPattern = /^[A-Za-z0-9_-]{1,128}$/;
