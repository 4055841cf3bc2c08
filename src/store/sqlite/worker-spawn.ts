/**
 * Starting the store's worker threads from their modules beside this file. Built (dist/*.js), a
 * worker is its .js file. Run from source (tsx, vitest), Node 20 cannot load TypeScript in a
 * worker: the module is then bundled once per process with esbuild (the one tsx itself uses) into
 * a plain .mjs file — about 50 ms per worker start, against ~500 ms and an extra loader thread per
 * worker for registering tsx inside it, which is the fallback when esbuild cannot be found.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The slice of esbuild's API used here, declared structurally (it is tsx's dependency, not ours). */
interface EsbuildPlugin {
  name: string;
  setup(build: { onResolve(o: { filter: RegExp }, cb: (a: { path: string; resolveDir: string }) => { path: string; external: boolean } | undefined): void }): void;
}
interface Esbuild {
  build(o: {
    entryPoints: string[];
    bundle: boolean;
    platform: 'node';
    format: 'esm';
    target: string;
    write: false;
    logLevel: 'silent';
    plugins: EsbuildPlugin[];
  }): Promise<{ outputFiles: Array<{ text: string }> }>;
}

const bundles = new Map<string, Promise<string>>();

/** A small young generation: the workers' garbage is short-lived batches; measured −28 MB peak RSS at equal throughput (issue 2: ≤ 400 MB). */
const LIMITS = { maxYoungGenerationSizeMb: 8 };

/** Resolves once the worker module can be started; `name` is a sibling module without extension. */
export async function spawnStoreWorker(name: string, workerData: unknown): Promise<Worker> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here), { workerData, resourceLimits: LIMITS });
  const source = fileURLToPath(new URL(`./${name}.ts`, here));
  const esbuild = await loadEsbuild();
  if (!esbuild) return registerTsx(new URL(`./${name}.ts`, here), workerData);
  let bundle = bundles.get(source);
  if (!bundle) {
    bundle = bundleWorker(esbuild, source, name);
    bundles.set(source, bundle);
  }
  // No inherited execArgv: the bundle is plain JS, and tsx's loader (inherited under tsx) costs ~150 ms per start.
  return new Worker(await bundle, { workerData, execArgv: [], resourceLimits: LIMITS });
}

async function loadEsbuild(): Promise<Esbuild | null> {
  try {
    const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
    return (await import(pathToFileURL(fromTsx.resolve('esbuild')).href)) as Esbuild;
  } catch {
    return null;
  }
}

async function bundleWorker(esbuild: Esbuild, source: string, name: string): Promise<string> {
  // Packages stay external, imported by absolute path, so the bundle can live in the temp dir and
  // native modules load from their own package as usual.
  const externals: EsbuildPlugin = {
    name: 'packages-external',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (a) => {
        if (a.path.startsWith('node:')) return { path: a.path, external: true };
        return { path: createRequire(join(a.resolveDir, 'x.js')).resolve(a.path), external: true };
      });
    },
  };
  const out = await esbuild.build({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [externals],
  });
  const file = join(bundleDir(), `${name}.mjs`);
  writeFileSync(file, out.outputFiles[0]?.text ?? '', { mode: 0o600 });
  return file;
}

let dir: string | null = null;

/**
 * A private directory for this process's bundles (mkdtemp: fresh, 0700, unguessable name), removed
 * at exit. Never a shared, predictable path: on a multi-user machine another account could plant
 * code there for us to run.
 */
function bundleDir(): string {
  if (dir) return dir;
  const made = mkdtempSync(join(tmpdir(), 'parapet-store-workers-'));
  process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  dir = made;
  return made;
}

function registerTsx(url: URL, workerData: unknown): Worker {
  const api = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData, resourceLimits: LIMITS });
}
