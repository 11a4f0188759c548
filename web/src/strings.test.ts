// Guards the "all text in strings.ts" rule: no prose in component markup or accessible attributes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { S } from './strings';

function* components(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* components(full);
    else if (/\.tsx$/.test(name) && !/\.test\.tsx$/.test(name)) yield full;
  }
}

const SRC = join(__dirname);
const files = [...components(join(SRC, 'components')), join(SRC, 'App.tsx')];

describe('strings module', () => {
  it('components carry no literal prose', () => {
    const offenders: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const t = line.trim();
          // A line of words in markup: "Conectar un píxel".
          const jsxText = /^[¿¡]?[A-Za-zÁÉÍÓÚáéíóúÑñ]+( [A-Za-zÁÉÍÓÚáéíóúÑñ]+)+[.!?]?$/.test(t);
          // Words between tags on one line: <p>Cargando…</p> (but not `=> Promise<T>`).
          const textBetweenTags = /[^=]>\s*[A-Za-zÁÉÍÓÚáéíóúÑñ¿¡][A-Za-zÁÉÍÓÚáéíóúÑñ ,.…]{2,}\s*<\/?[A-Za-z]/.test(t);
          const attr = /\b(aria-label|title|placeholder|alt|label)="[^"]*[A-Za-z]{2,}/.test(t);
          if (jsxText || textBetweenTags || attr) offenders.push(`${file}:${i + 1}: ${t}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('has every text in Spanish form, non-empty', () => {
    const walk = (v: unknown, path: string, out: string[]) => {
      if (typeof v === 'string') {
        if (!v.trim()) out.push(path);
      } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, out);
    };
    const empty: string[] = [];
    walk(S, 'S', empty);
    expect(empty).toEqual([]);
  });
});
