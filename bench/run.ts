// npm run bench [-- scenario...] [--rounds N] [--quick] [--profile] [--env NAME=VALUE ...]
// Starts its own real services, runs the scenarios, prints a table, writes bench/results/latest.json
// and regenerates docs/benchmarks.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchChild } from './lib/child.ts';
import { newestProfile, renderProfile, summarizeProfile } from './lib/cpu-profile.ts';
import { describeEnvironment } from './lib/environment.ts';
import { type RunRecord, renderMarkdown, renderText, type ScenarioRecord, verdictOf } from './lib/report.ts';
import { BENCH_ROOT, BenchStack, RESULTS_DIR } from './lib/stack.ts';
import { SCENARIOS } from './scenarios/index.ts';
import type { BenchContext, BenchOptions } from './scenarios/types.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    // golive configuration to try (e.g. --env LOG_LEVEL=warn); shown in the report.
    env: { type: 'string', multiple: true, default: [] },
  },
});
const goliveEnv = Object.fromEntries(
  values.env.map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) {
      console.error(`--env takes NAME=VALUE, not ${pair}`);
      process.exit(64);
    }
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
const unknown = positionals.filter((id) => !SCENARIOS.some((s) => s.id === id));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; the scenarios are: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  process.exit(64);
}
const selected = positionals.length > 0 ? SCENARIOS.filter((s) => positionals.includes(s.id)) : SCENARIOS;
const options: BenchOptions = { rounds: Math.max(1, Number(values.rounds) || 5), quick: values.quick, profile: values.profile };
const PROFILE_DIR = join(RESULTS_DIR, 'profiles');
const LATEST = join(RESULTS_DIR, 'latest.json');
const DOC = resolve(BENCH_ROOT, '../docs/benchmarks.md');

const log = (message: string) => console.log(`[bench] ${message}`);
const cleanups: (() => Promise<void>)[] = [];
let stack: Promise<BenchStack> | null = null;
let loadGenerator: Promise<BenchChild> | null = null;

const startChild = async <Ready>(name: string, script: string, env: Record<string, string>) => {
  const child = await BenchChild.start<Ready>({ name, script, env, logFile: join(RESULTS_DIR, `${name}.log`) });
  cleanups.push(() => child.stop());
  return child;
};
const ctx: BenchContext = {
  options,
  log,
  startChild,
  stack: () => {
    stack ??= BenchStack.start({ env: goliveEnv, ...(options.profile ? { profileDir: PROFILE_DIR } : {}) }).then((s) => {
      cleanups.push(() => s.stop());
      return s;
    });
    return stack;
  },
  startStack: async (name, env) => {
    const s = await BenchStack.start({ name, env: { ...env, ...goliveEnv }, ...(options.profile ? { profileDir: PROFILE_DIR } : {}) });
    cleanups.push(() => s.stop());
    return s;
  },
  loadGenerator: () => {
    loadGenerator ??= startChild('load-generator', join(BENCH_ROOT, 'load/http-load.ts'), {});
    return loadGenerator;
  },
};

async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error) => console.error('[bench] clean-up failed:', error));
}
process.once('SIGINT', () => {
  log('interrupted; stopping the services');
  void cleanUp().finally(() => process.exit(130));
});

mkdirSync(RESULTS_DIR, { recursive: true });
const environment = { ...(await describeEnvironment()), goliveOverrides: goliveEnv };
log(`${environment.cpuModel}, ${environment.cores} cores, load ${environment.loadAverageAtStart}; node ${environment.node}`);
const records: ScenarioRecord[] = [];
try {
  for (const scenario of selected) {
    log(`${scenario.brief} ${scenario.id}: ${scenario.title}`);
    const base = {
      id: scenario.id,
      brief: scenario.brief,
      title: scenario.title,
      target: scenario.target,
      method: scenario.method,
      ...(scenario.findings ? { findings: scenario.findings } : {}),
      measuredAt: new Date().toISOString(),
      environment,
    };
    const loadBefore = loadavg()[0] ?? 0;
    const load = () => ({ loadAverage: { before: round2(loadBefore), after: round2(loadavg()[0] ?? 0) } });
    try {
      const result = await scenario.run(ctx);
      records.push({ ...base, ...load(), verdict: verdictOf(result), result });
    } catch (error) {
      console.error(error);
      records.push({ ...base, ...load(), verdict: 'ERROR', error: error instanceof Error ? error.message : String(error) });
    }
  }
} finally {
  await cleanUp();
}

const run: RunRecord = { generatedAt: new Date().toISOString(), environment, scenarios: records };
console.log(renderText(run));
if (options.profile) {
  const file = existsSync(PROFILE_DIR) ? newestProfile(PROFILE_DIR) : null;
  const started = stack as Promise<BenchStack> | null; // assigned inside ctx.stack(), which TypeScript cannot follow
  const readyAtUs = (await started?.catch(() => null))?.golive.ready.readyAtUs;
  const summary = file ? renderProfile(summarizeProfile(file, { fromUs: readyAtUs ?? 0, top: 25 })) : 'golive wrote no CPU profile';
  console.log(summary);
  writeFileSync(join(RESULTS_DIR, 'profile-summary.txt'), `${summary}\n`);
}

if (options.quick || options.profile) {
  // A quick run is too short to publish; a profiled golive is slower than a real one.
  const file = join(RESULTS_DIR, options.quick ? 'quick.json' : 'profiled.json');
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  log(`${options.quick ? 'quick' : 'profiled'} run: figures are not published (${file} only)`);
} else {
  // Sections of scenarios not run this time are kept from the previous results, so one
  // scenario can be re-measured without re-running them all.
  const previous = existsSync(LATEST) ? (JSON.parse(readFileSync(LATEST, 'utf8')) as RunRecord) : null;
  const merged: RunRecord = {
    ...run,
    scenarios: SCENARIOS.flatMap((s) => {
      const record = records.find((r) => r.id === s.id) ?? previous?.scenarios.find((r) => r.id === s.id);
      return record ? [record] : [];
    }),
  };
  writeFileSync(LATEST, `${JSON.stringify(merged, null, 2)}\n`);
  writeFileSync(DOC, renderMarkdown(merged));
  const missing = SCENARIOS.filter((s) => !merged.scenarios.some((r) => r.id === s.id)).map((s) => s.id);
  log(`wrote ${LATEST} and ${DOC}${missing.length ? ` (not measured yet: ${missing.join(', ')})` : ''}`);
}
function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

process.exit(records.some((r) => r.verdict === 'ERROR') ? 1 : 0);
