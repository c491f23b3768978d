/**
 * `liveportrait-ts/web` is the browser's entry point: its static import graph must reach no Node
 * built-in and no Node-only package (the runtime is injected with setOrt).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const NODE_ONLY = /^(node:|onnxruntime-node$|sharp$|commander$|cli-progress$)/;

/** Static `import … from '…'` / `export … from '…'` specifiers of a compiled module (type-only imports are erased). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm), ...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]);
}

test('the ./web entry statically reaches no Node built-in or Node-only package', () => {
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else if (NODE_ONLY.test(spec)) offenders.push(`${file.slice(resolve('dist').length + 1)} imports ${spec}`);
    }
  };
  visit(resolve(join('dist', 'src', 'web.js')));
  assert.ok(seen.size > 20, `walked ${seen.size} modules`);
  assert.deepEqual(offenders, []);
});
