/**
 * Prometheus metrics (prom-client): queue depth by state, connected workers, frames rendered, job
 * durations. Nothing here carries job data (no ids, no owners, no file names).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { FRAMES_COUNTER, type JobEvent } from './jobs.js';
import { connectRedis } from './queue.js';

export function createMetrics(redisUrl: string, queue: Queue, redis: Redis): { registry: Registry; close(): Promise<void> } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'liveportrait_api_' });
  new Gauge({
    name: 'liveportrait_queue_jobs',
    help: 'Queued work (motion, render, finish and task jobs) by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      if (redis.status !== 'ready') return;
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'waiting-children', 'failed', 'completed').catch(() => ({}) as Record<string, number>);
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'liveportrait_workers',
    help: 'Render workers connected to the queue',
    registers: [registry],
    async collect() {
      if (redis.status !== 'ready') return;
      this.set((await queue.getWorkers().catch(() => [])).length);
    },
  });
  new Counter({
    name: 'liveportrait_frames_rendered_total',
    help: 'Frames rendered by all workers',
    registers: [registry],
    async collect() {
      if (redis.status !== 'ready') return;
      const n = Number((await redis.get(FRAMES_COUNTER).catch(() => '0')) ?? 0);
      this.reset();
      this.inc(n);
    },
  });
  const durations = new Histogram({
    name: 'liveportrait_job_duration_seconds',
    help: 'Wall time of finished jobs, from the first worker step to the result',
    labelNames: ['outcome'],
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [registry],
  });
  const jobs = new Counter({ name: 'liveportrait_jobs_finished_total', help: 'Jobs that ended, by outcome', labelNames: ['outcome'], registers: [registry] });
  // Job endings reach every API instance through the event channels.
  const sub = connectRedis(redisUrl, true);
  void sub.psubscribe('lp:events:*').catch(() => undefined);
  sub.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    const event = JSON.parse(message) as JobEvent;
    if (event.type === 'progress') return;
    jobs.inc({ outcome: event.type });
    if (event.duration !== undefined) durations.observe({ outcome: event.type }, event.duration);
  });
  return {
    registry,
    async close() {
      sub.disconnect();
    },
  };
}
