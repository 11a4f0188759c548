// Writes `.gz` and `.br` twins of the text files Vite emits, so the Spin `dashboard`
// component can answer `Accept-Encoding` without compressing per request. Node's zlib only.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(html|js|mjs|css|json|svg|txt|map|webmanifest)$/i;
// Below this the headers cost more than the bytes saved.
const MIN_BYTES = 512;

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}

export function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'trainererp-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!COMPRESSIBLE.test(file)) continue;
        const source = readFileSync(file);
        if (source.length < MIN_BYTES) continue;
        const gz = gzipSync(source, { level: 9 });
        const br = brotliCompressSync(source, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: source.length },
        });
        if (gz.length < source.length) writeFileSync(`${file}.gz`, gz);
        if (br.length < source.length) writeFileSync(`${file}.br`, br);
      }
    },
  };
}
