/**
 * Starting the store's worker threads from their modules beside this file. Built (dist/*.js), a
 * worker is its .js file. Run from source (tsx, vitest), Node 20 cannot load TypeScript in a
 * worker: the module is then bundled once per process with esbuild (the one tsx itself uses) into
 * a plain .mjs file — about 50 ms per worker start, against ~500 ms and an extra loader thread per
 * worker for registering tsx inside it, which is the fallback when esbuild cannot be found.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
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

/** Resolves once the worker module can be started; `name` is a sibling module without extension. */
export async function spawnStoreWorker(name: string, workerData: unknown): Promise<Worker> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here), { workerData });
  const source = fileURLToPath(new URL(`./${name}.ts`, here));
  const esbuild = await loadEsbuild();
  if (!esbuild) return registerTsx(new URL(`./${name}.ts`, here), workerData);
  let bundle = bundles.get(source);
  if (!bundle) {
    bundle = bundleWorker(esbuild, source, name);
    bundles.set(source, bundle);
  }
  // No inherited execArgv: the bundle is plain JS, and tsx's loader (inherited under tsx) costs ~150 ms per start.
  return new Worker(await bundle, { workerData, execArgv: [] });
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
  const text = out.outputFiles[0]?.text ?? '';
  const dir = join(tmpdir(), 'parapet-store-workers');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${name}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    // Write-then-rename: parallel test processes may bundle the same module at once.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, file);
  }
  return file;
}

function registerTsx(url: URL, workerData: unknown): Worker {
  const api = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
