import { Hono } from 'hono';
import type { ApiDependencies, ApiEnvironment } from '../api-dependencies.ts';
import { ApiError } from '../api-error.ts';
import { fileView } from '../file-view.ts';
import { requireIdentity } from '../owned-session.ts';
import { readUploadedFile } from '../uploaded-file.ts';
import { validated } from '../validated.ts';
import { listFilesQuerySchema } from '../../protocol/http-schemas.ts';

/**
 * Types a browser may show in the page that opened the download: they run nothing. Anything
 * else (`text/html`, `image/svg+xml`) downloads as an attachment, so an uploaded file never runs
 * as a page of our origin.
 */
const shownInline = /^(image\/(png|jpeg|gif|webp)|text\/plain|application\/(pdf|json))$/;

/**
 * Uploaded files. Every route needs an identity (a user, or in anonymous mode a visitor), and a
 * file is its uploader's alone: another caller's file answers exactly like a missing one.
 */
export function fileRoutes(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const { files, settings } = dependencies;
  const routes = new Hono<ApiEnvironment>();

  routes.post('/files', async (context) => {
    const userId = requireIdentity(dependencies, context.get('caller'));
    const upload = await readUploadedFile(context.req.raw, settings.files);
    const { maxFilesPerUser } = settings.files;
    // Counted before saving: concurrent uploads may pass it together, by a few files at most.
    if (maxFilesPerUser > 0 && (await files.countFiles(userId)) >= maxFilesPerUser) {
      throw new ApiError('TOO_MANY_FILES');
    }
    const file = await files.saveFile({ userId, ...upload });
    return context.json(fileView(file), 201);
  });

  routes.get('/files', async (context) => {
    const userId = requireIdentity(dependencies, context.get('caller'));
    const query = validated(listFilesQuerySchema, context.req.query());
    const { files: page, total } = await files.listFiles({ userId, ...query });
    return context.json({ files: page.map(fileView), total });
  });

  routes.get('/files/:id', async (context) => {
    const userId = requireIdentity(dependencies, context.get('caller'));
    const found = await files.readFile(userId, context.req.param('id'));
    if (!found) throw new ApiError('FILE_NOT_FOUND');
    const { file, content } = found;
    const disposition = shownInline.test(file.mediaType) ? 'inline' : 'attachment';
    return context.body(new Uint8Array(content), 200, {
      'content-type': file.mediaType,
      'content-length': String(content.byteLength),
      'content-disposition': `${disposition}; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      // Opened directly, even an inline file gets no scripts, forms or plugins.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'cache-control': 'private, no-cache',
    });
  });

  routes.delete('/files/:id', async (context) => {
    const userId = requireIdentity(dependencies, context.get('caller'));
    if (!(await files.deleteFile(userId, context.req.param('id')))) {
      throw new ApiError('FILE_NOT_FOUND');
    }
    return context.body(null, 204);
  });

  return routes;
}
