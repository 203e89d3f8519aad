/**
 * The layering of durable-chat as failing rules (`npm run check:dependencies`, part of
 * `npm run check`): dependencies point inward, protocol ← registry/queue/store ← turn ←
 * executor/api ← main, and only the composition roots in src/main pick adapters.
 *
 * Test code is `*.test.ts(x)`, the contract suites each adapter runs (`*-contract*.ts`), the web
 * app's test set-up, and everything under tests/ and bench/: it may import anything, and no
 * production module may import it.
 */
const testCode = String.raw`(\.test\.tsx?|-contract[a-z-]*\.ts|/test-setup\.ts)$`;
const testFolders = '^(tests|bench)/';

/** Modules that talk to one backend; a port's core and the rest of the app see only the port. */
const adapters = [
  String.raw`^src/store/(pglite-|postgres-(sql-client|chat-store)|disk-file-store)`,
  String.raw`^src/registry/(memory-stream-registry|redis/)`,
  String.raw`^src/queue/(in-process-turn-queue|rabbitmq/)`,
  String.raw`^src/model/(demo-language-model|create-language-model)`,
];

/** What each layer may import besides itself and npm packages; anything else of ours is refused. */
const layers = {
  protocol: [],
  client: ['protocol'],
  store: ['protocol'],
  registry: ['protocol'],
  queue: ['protocol'],
  model: ['protocol'],
  turn: ['protocol', 'store', 'registry', 'queue'],
  executor: ['protocol', 'store', 'registry', 'queue', 'turn', 'model'],
  api: ['protocol', 'store', 'registry', 'queue', 'turn'],
};

/** The shared modules at the top of src/ that every layer may use (config types, logging, metrics). */
const sharedModules = String.raw`^src/(logger|metrics|config)\.ts$`;

const layerRules = Object.entries(layers).map(([layer, allowed]) => ({
  name: `layer-${layer}`,
  comment:
    allowed.length === 0
      ? `src/${layer} imports nothing of ours.`
      : `src/${layer} imports only ${allowed.map((name) => `src/${name}`).join(', ')} of ours.`,
  severity: 'error',
  from: { path: `^src/${layer}/`, pathNot: testCode },
  to: {
    path: '^(src|web|tests|bench)/',
    pathNot: [
      `^src/(${[layer, ...allowed].join('|')})/`,
      ...(layer === 'protocol' ? [] : [sharedModules]),
    ],
  },
}));

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle hides which module depends on which.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'only-main-picks-adapters',
      comment:
        'Only the composition roots in src/main import an adapter; the rest of the app sees ports. ' +
        'An adapter may use the other modules of its own port (the PGlite store is the SQL store ' +
        'over a PGlite client).',
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: [testCode, '^src/main/'] },
      to: {
        path: adapters,
        pathNot: ['^src/$1/'],
      },
    },
    {
      name: 'port-core-does-not-know-its-adapters',
      comment:
        "A port's own modules (its interface, shared SQL, contract) never import its adapters.",
      severity: 'error',
      from: {
        path: '^src/(store|registry|queue|model)/',
        pathNot: [testCode, ...adapters],
      },
      to: { path: adapters },
    },
    {
      name: 'web-imports-only-the-client',
      comment: 'The web app talks to the server only through the client SDK in src/client.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(src|tests|bench)/', pathNot: '^src/client/' },
    },
    {
      name: 'production-never-imports-tests',
      comment: 'Production code never imports tests, test support, benchmarks or contract suites.',
      severity: 'error',
      from: { path: '^(src|web)/', pathNot: testCode },
      to: { path: [testFolders, testCode] },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^web/dist/', '^dist/', 'node_modules'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
