import fs from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/** The hub's version from its package.json (`0.0.0` when none is found). */
export function hubVersion(): string {
  if (cached) return cached;
  // The same code runs from src/ (tests) and dist/src/ (built), so find package.json by walking up.
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      return (cached = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version);
    }
  }
  return (cached = '0.0.0');
}
