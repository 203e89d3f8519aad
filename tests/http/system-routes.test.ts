import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { waitFor } from '../support/wait-for.ts';
import { type ApiClient, createApiClient, expectError, expectJson } from './api-client.ts';
import { readTurnStream } from './sse-events.ts';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
}

interface OpenApiOperation {
  summary: string;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}

interface JsonSchema {
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  type?: string;
}

describe(
  'configuration, health, readiness, metrics and the API description',
  {
    timeout: 30_000,
  },
  () => {
    let server: TestServer;
    let api: ApiClient;
    before(async () => {
      server = await startTestServer({
        FINISHED_TURN_TTL_SECONDS: '120',
        HEARTBEAT_INTERVAL_MS: '5000',
        CANCEL_FORCE_CLOSE_MS: '1500',
        DEMO_SLOW_SILENCE_MS: '300',
      });
      api = createApiClient(server);
    });
    after(() => server.close());

    /** The value of one sample in Prometheus text, or undefined when the line is absent. */
    const sample = async (name: string): Promise<number | undefined> => {
      const response = await api.call('GET', '/metrics');
      assert.equal(response.status, 200);
      const text = await response.text();
      const escaped = name.replace(/[{}"=]/g, '\\$&');
      const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
      return match?.[1] === undefined ? undefined : Number(match[1]);
    };

    it('reports the stream timing configuration under the seed names and ours', async () => {
      const ttl = await expectJson(await api.call('GET', '/api/chat/config/ttl'));
      assert.deepEqual(ttl, {
        stream_ttl_seconds: 120,
        stream_ttl_ms: 120_000,
        stream_ttl: 120,
        heartbeat_interval: 5,
        cancel_force_close: 1.5,
      });
    });

    it('answers liveness on /health and /api/chat/health with the service and its package version', async () => {
      const packageJson = JSON.parse(
        await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
      ) as { version: string };
      for (const path of ['/health', '/api/chat/health']) {
        const response = await api.call('GET', path);
        assert.equal(
          await response.clone().text(),
          JSON.stringify({ status: 'healthy', service: 'chat', version: packageJson.version }),
        );
        assert.deepEqual(await expectJson(response), {
          status: 'healthy',
          service: 'chat',
          version: packageJson.version,
        });
      }
    });

    it('answers readiness on /ready and /api/chat/ready after touching the database', async () => {
      for (const path of ['/ready', '/api/chat/ready']) {
        assert.deepEqual(await expectJson(await api.call('GET', path)), { status: 'ready' });
      }
    });

    it('serves Prometheus text with the turn, stream and latency metrics on /metrics and /api/chat/metrics', async () => {
      for (const path of ['/metrics', '/api/chat/metrics']) {
        const response = await api.call('GET', path);
        assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
        const text = await response.text();
        for (const name of [
          'durable_chat_turns_finished_total',
          'durable_chat_open_streams',
          'durable_chat_time_to_first_chunk_seconds',
          'durable_chat_active_turns',
        ]) {
          assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} on ${path}`);
        }
      }
    });

    it('counts open streams and active turns while a turn runs, and its outcome when it ends', async () => {
      const id = await api.createSession();
      const firstChunksBefore =
        (await sample('durable_chat_time_to_first_chunk_seconds_count')) ?? 0;
      const completedBefore =
        (await sample('durable_chat_turns_finished_total{outcome="completed"}')) ?? 0;
      const posting = await api.postMessage(id, 'count me [demo:slow] [demo:words=4]');
      await api.waitForRunningTurn(id);
      assert.equal(await sample('durable_chat_open_streams'), 1);
      assert.equal(await sample('durable_chat_active_turns'), 1);
      await readTurnStream(posting);
      assert.equal(await sample('durable_chat_open_streams'), 0);
      assert.equal(await sample('durable_chat_active_turns'), 0);
      // The outcome is counted right after the terminal event, so it may trail [DONE] slightly.
      await waitFor(
        async () =>
          (await sample('durable_chat_turns_finished_total{outcome="completed"}')) ===
          completedBefore + 1,
        { message: 'the completed turn is counted' },
      );
      assert.equal(
        await sample('durable_chat_time_to_first_chunk_seconds_count'),
        firstChunksBefore + 1,
      );

      await readTurnStream(await api.postMessage(id, 'fail [demo:fatal]'));
      await waitFor(
        async () => (await sample('durable_chat_turns_finished_total{outcome="failed"}')) === 1,
        { message: 'the failed turn is counted' },
      );
    });

    it('describes every route of the app in an OpenAPI 3.1 document', async () => {
      const document = await expectJson<OpenApiDocument>(await api.call('GET', '/openapi.json'));
      assert.match(document.openapi, /^3\.1\./);
      assert.equal(document.info.title, 'durable-chat');
      const routes = server.app.routes.filter((route) => route.method !== 'ALL');
      assert.ok(routes.length >= 15);
      for (const route of routes) {
        const path = route.path.replace(/:(\w+)/g, '{$1}');
        const operation = document.paths[path]?.[route.method.toLowerCase()];
        assert.ok(operation, `${route.method} ${path} is not in /openapi.json`);
        assert.ok(operation.summary.length > 0);
        assert.ok('default' in operation.responses, `${route.method} ${path} documents its errors`);
      }
    });

    it('documents who may reach which session: token, visitor cookie or the id alone', async () => {
      const document = await expectJson<{
        info: { description?: string };
        paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
        components: {
          securitySchemes?: Record<string, { type: string; in?: string; name?: string }>;
          'x-error-codes': Record<string, { status: number }>;
        };
      }>(await api.call('GET', '/openapi.json'));
      assert.match(document.info.description ?? '', /ALLOW_ANONYMOUS/);
      assert.match(document.info.description ?? '', /IDENTITY_REQUIRED/);
      assert.deepEqual(document.components.securitySchemes?.visitorCookie, {
        type: 'apiKey',
        in: 'cookie',
        name: 'durable_chat_visitor',
      });
      assert.equal(document.components.securitySchemes?.bearerToken?.type, 'http');
      assert.equal(document.components['x-error-codes'].IDENTITY_REQUIRED?.status, 401);
      for (const [path, methods] of Object.entries(document.paths)) {
        if (!path.startsWith('/api/chat/sessions')) continue;
        for (const [method, operation] of Object.entries(methods)) {
          assert.deepEqual(
            operation.security,
            [{ bearerToken: [] }, { visitorCookie: [] }, {}],
            `${method} ${path}`,
          );
        }
      }
    });

    it('serves the same OpenAPI document on /openapi.json and /api/chat/openapi.json', async () => {
      const root = await expectJson(await api.call('GET', '/openapi.json'));
      const prefixed = await expectJson(await api.call('GET', '/api/chat/openapi.json'));
      assert.deepEqual(prefixed, root);
    });

    it('documents the exact fields of the seed-compatible answers', async () => {
      const document = await expectJson<OpenApiDocument>(await api.call('GET', '/openapi.json'));
      const success = (path: string, method: string, mediaType = 'application/json') =>
        document.paths[path]?.[method]?.responses['200']?.content?.[mediaType]?.schema;
      for (const path of ['/health', '/api/chat/health']) {
        assert.deepEqual(success(path, 'get')?.required, ['status', 'service', 'version']);
      }
      const ttl = success('/api/chat/config/ttl', 'get');
      for (const field of ['stream_ttl_seconds', 'stream_ttl_ms']) {
        assert.ok(ttl?.required?.includes(field), `config/ttl documents ${field}`);
      }
      const rename = success('/api/chat/sessions/{id}/title', 'patch');
      assert.ok(rename?.required?.includes('status'));
      for (const path of ['/metrics', '/api/chat/metrics']) {
        assert.equal(success(path, 'get', 'text/plain')?.type, 'string');
      }
      for (const path of ['/openapi.json', '/api/chat/openapi.json']) {
        assert.equal(success(path, 'get')?.type, 'object');
      }
    });

    it('documents both body shapes of the stream route', async () => {
      const document = await expectJson<OpenApiDocument>(await api.call('GET', '/openapi.json'));
      const body = document.paths['/api/chat/sessions/{id}/stream']?.post?.requestBody;
      const shapes = body?.content['application/json']?.schema.anyOf ?? [];
      assert.equal(shapes.length, 2);
      const transport = shapes.find((shape) => shape.properties?.messages);
      const seed = shapes.find((shape) => shape.properties?.message);
      assert.deepEqual(transport?.required, ['messages']);
      assert.ok(transport?.properties?.trigger);
      // Nothing is required: the seed's body without a message regenerates the last answer.
      assert.equal(seed?.required, undefined);
      assert.ok(
        seed?.properties?.message_id && seed.properties.context && seed.properties.file_ids,
      );
      assert.deepEqual(
        seed.properties.messages,
        { not: {} },
        'a body with messages is a transport body',
      );
    });

    it('answers an unknown route or method with 404 ROUTE_NOT_FOUND', async () => {
      const unknown: [string, string][] = [
        ['GET', '/nope'],
        ['GET', '/api/chat/nope'],
        ['PUT', '/api/chat/sessions'],
        ['POST', '/health'],
        ['GET', '/api/chat/sessions/abc/unknown'],
        ['GET', '/api/chat/sessions/abc/stream/extra'],
      ];
      for (const [method, path] of unknown) {
        await expectError(await api.call(method, path), 404, 'ROUTE_NOT_FOUND');
      }
    });

    it('answers readiness with 503 SERVICE_UNAVAILABLE once the database is gone, and liveness still 200', async () => {
      await server.runtime.api.store.close();
      await expectError(await api.call('GET', '/ready'), 503, 'SERVICE_UNAVAILABLE');
      assert.equal((await api.call('GET', '/health')).status, 200);
    });
  },
);
