// A clean checkout stays clean: ./golive setup must not leave git status dirty. It installs with
// npm ci (scripts/lib.sh ensure_deps), which never writes package-lock.json; and the lockfile must
// already list everything npm resolves, on every platform (Biome's Android packages were once
// missing, so npm install added them on the first run). The full proof, a fresh clone set up and
// checked with git status, is scripts/check-clean-checkout.sh (npm run check:clean-checkout).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');

type Lock = { packages: Record<string, { version?: string; integrity?: string; os?: string[] }> };
const packagesOf = (lock: Lock) =>
  Object.fromEntries(Object.entries(lock.packages).map(([path, p]) => [path, `${p.version ?? ''} ${p.integrity ?? ''}`]));

it('package-lock.json lists every package npm resolves for the package.json files (else run npm install and commit it)', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dir = mkdtempSync(join(tmpdir(), 'golive-lock-'));
  try {
    for (const file of ['package.json', 'package-lock.json', ...manifest.workspaces.map((w) => `${w}/package.json`)]) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      cpSync(join(ROOT, file), join(dir, file));
    }
    // What npm install would write, without installing anything (the cache answers; the registry only for what it lacks).
    const npm = spawnSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(npm.status, 0, `npm install --package-lock-only failed:\n${npm.stderr}`);
    const committed = packagesOf(JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lock);
    const resolved = packagesOf(JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Lock);
    const missing = Object.keys(resolved).filter((p) => committed[p] !== resolved[p]);
    const extra = Object.keys(committed).filter((p) => !(p in resolved));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, 'package-lock.json disagrees with npm: run npm install and commit it');
    // Every platform's optional packages are listed, not only this machine's.
    assert.ok(
      Object.keys(committed).some((p) => p.startsWith('node_modules/@biomejs/cli-android')),
      "Biome's Android packages are in the lockfile",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('./golive setup installs npm packages with npm ci only, which never writes the lockfile', () => {
  const lib = readFileSync(join(ROOT, 'scripts/lib.sh'), 'utf8');
  const ensureDeps = lib.slice(lib.indexOf('ensure_deps() {'), lib.indexOf('\n}\n', lib.indexOf('ensure_deps() {')));
  assert.match(ensureDeps, /npm ci /, 'ensure_deps runs npm ci');
  // The one npm install in set-up is Node itself, into .tools/, with no lockfile.
  const commands = lib.split('\n').filter((l) => /^\s*(\(.*&&\s*)?npm install\b/.test(l));
  assert.equal(commands.length, 1, 'one npm install command: the one of ensure_node');
  for (const line of commands)
    assert.match(line, /--prefix "\$dir" --no-save --no-package-lock/, `an npm install that may write package-lock.json: ${line.trim()}`);
});
