import type { BenchChild } from '../lib/child.ts';
import type { BenchStack } from '../lib/stack.ts';

/** Figures of one measurement round (or the median of several). Latencies in milliseconds. */
export type Figures = {
  /** Successful responses per second (throughput measurements only). */
  reqPerSec?: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Completed requests, and how many of them were not 2xx. */
  count: number;
  failed: number;
  /** Cores used by each process during the round (CPU seconds / wall seconds). */
  cpuCores: Record<string, number>;
  /** CPU time the server process spent per successful request, in microseconds (throughput measurements). */
  serverCpuUsPerRequest?: number;
  /** Event-loop delay p99 of the process under test, if it is a bench child. */
  eventLoopDelayP99Ms?: number;
};

export type Measurement = {
  label: string;
  /** What is being judged, or what it is judged against. */
  kind: 'golive' | 'baseline';
  rounds: Figures[];
  /** Median of each figure over the rounds. */
  median: Figures;
};

export type Check = {
  label: string;
  measured: number;
  unit: string;
  /** e.g. "≥ 0.5×" */
  target: string;
  pass: boolean;
};

export type ScenarioResult = {
  measurements: Measurement[];
  checks: Check[];
  /** Plain-language findings (e.g. why a target was missed), rendered under the scenario. */
  notes: string[];
  /** Settings worth knowing to read the figures (concurrency, rounds, durations). */
  settings: Record<string, string | number>;
};

export type BenchOptions = {
  /** Measurement rounds per scenario; subject and baseline interleave within each round. */
  rounds: number;
  /** Shorter loads and one round: to check the harness, not to publish figures. */
  quick: boolean;
  /** Run golive with --cpu-prof (profiles under bench/results/profiles). */
  profile: boolean;
};

export type BenchContext = {
  options: BenchOptions;
  /** golive (own process) on a fresh PostgreSQL database and its own livekit-server; shared by scenarios. */
  stack(): Promise<BenchStack>;
  /**
   * A golive stack of the scenario's own (fresh database, own livekit-server), for a scenario that
   * needs golive configured differently (`env` over the bench defaults; the run's --env still wins).
   * Stopped when the run ends; the scenario may stop it earlier.
   */
  startStack(name: string, env: Record<string, string>): Promise<BenchStack>;
  /** The load generator child (own process); shared by scenarios. */
  loadGenerator(): Promise<BenchChild>;
  /** Starts a bench child (e.g. a baseline server) that is stopped when the run ends. */
  startChild<Ready>(name: string, script: string, env: Record<string, string>): Promise<BenchChild<Ready>>;
  log(message: string): void;
};

export type Scenario = {
  /** What `npm run bench -- <id>` selects. */
  id: string;
  /** The brief's target id, e.g. P1. */
  brief: string;
  title: string;
  /** The brief's target, in words. */
  target: string;
  /** How it is measured, for the report. */
  method: string;
  /**
   * What a profile showed about a missed target and what would fix it: written by hand from a
   * `--profile` run (say which), rendered under the scenario's figures.
   */
  findings?: string[];
  run(ctx: BenchContext): Promise<ScenarioResult>;
};
