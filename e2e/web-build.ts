// The browser suite tests the production build that golive serves, so it builds it first when
// web/dist is missing or older than the web app's (or the SDK's) sources.
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const WEB = resolve(ROOT, 'web');
const BUILT = resolve(WEB, 'dist/index.html');
const SOURCES = ['web/index.html', 'web/vite.config.ts', 'web/package.json', 'web/src/**/*', 'sdk/src/**/*.ts', 'react/src/**/*.ts'];

function newestSourceMtime(): number {
  let newest = 0;
  for (const file of SOURCES.flatMap((pattern) => globSync(pattern, { cwd: ROOT }))) {
    newest = Math.max(newest, statSync(resolve(ROOT, file)).mtimeMs);
  }
  return newest;
}

export function webBuildIsFresh(): boolean {
  return existsSync(BUILT) && statSync(BUILT).mtimeMs >= newestSourceMtime();
}

export function ensureWebBuild(): void {
  if (webBuildIsFresh()) return;
  const result = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: WEB,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('building the web app failed (npm run build -w web); see the output above');
}
