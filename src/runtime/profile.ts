/**
 * Reads onnxruntime's profiling trace (Chrome trace-event JSON, written when a session has
 * `enableProfiling`) and tells which execution provider ran each node — the way to see a silent
 * fallback, e.g. a GridSample that WebGPU did not take running on the CPU. Parses JSON only: no
 * onnxruntime import, no I/O.
 */
import { describeJsonSyntaxError } from '../validate.js';

export interface ProfiledNode {
  /** Node name as the session knows it (after graph optimisation, e.g. 'fused /mlp/mlp.0/Gemm'). */
  readonly name: string;
  readonly opType: string;
  /** e.g. 'CPUExecutionProvider', 'WebGpuExecutionProvider', 'JsExecutionProvider'. */
  readonly provider: string;
  /** Kernel executions recorded (one per run). */
  readonly runs: number;
  /** Kernel time summed over runs, microseconds. */
  readonly totalUs: number;
}

export interface ProviderSummary {
  readonly nodes: number;
  readonly totalUs: number;
  readonly opTypes: readonly string[];
}

export interface ProviderReport {
  /** One entry per node, in order of first execution. */
  readonly nodes: readonly ProfiledNode[];
  readonly byProvider: Readonly<Record<string, ProviderSummary>>;
  /** Runs the trace covers (most runs of any node). */
  readonly runs: number;
}

export class ProfileFormatError extends Error {
  constructor(reason: string) {
    super(`not an onnxruntime profiling trace: ${reason}`);
    this.name = 'ProfileFormatError';
  }
}

interface TraceEvent {
  readonly cat?: unknown;
  readonly name?: unknown;
  readonly dur?: unknown;
  readonly args?: { readonly op_name?: unknown; readonly provider?: unknown };
}

const KERNEL_SUFFIX = '_kernel_time';

/** The trace's events; accepts the file text or the parsed JSON (an array, or {traceEvents: [...]}). */
export function traceEvents(trace: string | unknown): TraceEvent[] {
  let parsed: unknown = trace;
  if (typeof trace === 'string') {
    try {
      parsed = JSON.parse(trace);
    } catch (err) {
      throw new ProfileFormatError(`not valid JSON (${describeJsonSyntaxError(err, trace)})`);
    }
  }
  const events = Array.isArray(parsed) ? parsed : (parsed as { traceEvents?: unknown } | null)?.traceEvents;
  if (!Array.isArray(events)) throw new ProfileFormatError('expected a JSON array of trace events');
  return events.filter((e): e is TraceEvent => typeof e === 'object' && e !== null);
}

/** Which provider ran each node, with per-provider totals. */
export function providerReport(trace: string | unknown): ProviderReport {
  const byName = new Map<string, { name: string; opType: string; provider: string; runs: number; totalUs: number }>();
  for (const e of traceEvents(trace)) {
    if (e.cat !== 'Node' || typeof e.name !== 'string' || !e.name.endsWith(KERNEL_SUFFIX)) continue;
    const name = e.name.slice(0, -KERNEL_SUFFIX.length);
    const provider = typeof e.args?.provider === 'string' ? e.args.provider : 'unknown';
    const opType = typeof e.args?.op_name === 'string' ? e.args.op_name : 'unknown';
    const dur = typeof e.dur === 'number' ? e.dur : 0;
    const key = `${name}\u0000${provider}`;
    const entry = byName.get(key);
    if (entry) {
      entry.runs++;
      entry.totalUs += dur;
    } else {
      byName.set(key, { name, opType, provider, runs: 1, totalUs: dur });
    }
  }
  const nodes = [...byName.values()];
  const byProvider: Record<string, { nodes: number; totalUs: number; opTypes: string[] }> = {};
  for (const n of nodes) {
    const s = (byProvider[n.provider] ??= { nodes: 0, totalUs: 0, opTypes: [] });
    s.nodes++;
    s.totalUs += n.totalUs;
    if (!s.opTypes.includes(n.opType)) s.opTypes.push(n.opType);
  }
  for (const s of Object.values(byProvider)) s.opTypes.sort();
  return { nodes, byProvider, runs: nodes.reduce((m, n) => Math.max(m, n.runs), 0) };
}

/** Nodes that ran somewhere other than `provider` (e.g. the CPU fallbacks of a WebGPU session). */
export function nodesOffProvider(report: ProviderReport, provider: string): ProfiledNode[] {
  return report.nodes.filter((n) => n.provider !== provider);
}

/** A few lines for a terminal: per provider, node count, time and op types. */
export function formatProviderReport(report: ProviderReport): string {
  const lines = Object.entries(report.byProvider)
    .sort((a, b) => b[1].totalUs - a[1].totalUs)
    .map(([provider, s]) => `${provider}: ${s.nodes} nodes, ${(s.totalUs / 1000 / Math.max(report.runs, 1)).toFixed(2)} ms/run (${s.opTypes.join(', ')})`);
  return lines.length ? lines.join('\n') : 'no node events (was the session run before endProfiling?)';
}
