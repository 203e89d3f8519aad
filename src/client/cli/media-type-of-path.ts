import { extname } from 'node:path';

/**
 * Types of the files people attach most, by extension. A file on disk carries no type, and the
 * server refuses what it cannot type (`application/octet-stream` is not among its defaults).
 */
const mediaTypes: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.ts': 'text/plain',
  '.xml': 'text/xml',
  '.log': 'text/plain',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
};

/** The media type a file's name suggests; `application/octet-stream` for an unknown one. */
export function mediaTypeOfPath(path: string): string {
  return mediaTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
}
