import { defineConfig, defaultClientConditions, type Plugin } from 'vite';
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Cross-origin isolation enables SharedArrayBuffer, which multi-threaded WASM needs.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const nodeOnly = here('./src/stubs/node-only.ts');

/**
 * onnxruntime-web's WASM runtime (its Emscripten glue module and the .wasm) served unchanged under
 * ort/. The glue must stay a file of its own: WASM threads start workers from its URL, and a glue
 * bundled into the app's worker would start copies of the app's worker instead.
 */
function ortRuntimeFiles(): Plugin {
  const dir = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
  const files = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];
  return {
    name: 'liveportrait-ort-runtime-files',
    configureServer(server) {
      server.middlewares.use('/ort', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0];
        if (!files.includes(name)) return next();
        for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        createReadStream(join(dir, name)).pipe(res);
      });
    },
    generateBundle() {
      for (const name of files) this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(join(dir, name)) });
    },
  };
}

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [ortRuntimeFiles()],
  resolve: {
    // The onnxruntime-web build that loads its WASM runtime from env.wasm.wasmPaths (see ortRuntimeFiles).
    conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
    alias: [
      { find: /^onnxruntime-node$/, replacement: nodeOnly },
      { find: /^node:(fs|fs\/promises|module|path)$/, replacement: nodeOnly },
    ],
  },
  server: { host: '127.0.0.1', headers: isolation, fs: { allow: [here('..')] } },
  preview: { host: '127.0.0.1', headers: isolation },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
});
