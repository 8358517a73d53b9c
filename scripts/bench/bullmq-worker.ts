/**
 * One process of the BullMQ fleet in `npm run bench:runtime -- --vs-bullmq`: a Worker taking
 * one job at a time and making the Messages API call a Hive agent makes, through the same SDK.
 * Prints `ready <epoch ms>` once connected, as an agent logs `ready`.
 *
 * Env: REDIS_URL, BENCH_QUEUE, ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, and BENCH_REQUEST: the
 * JSON body an agent sent (model, max_tokens, system, tools), without its messages.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Worker } from 'bullmq';

/** What a job returns: the model's text and when the worker picked the job up. */
export interface BenchJobResult {
  readonly text: string;
  readonly startedAt: number;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Expected \`${name}\` to be set`);
  return value;
}

const redis = new URL(required('REDIS_URL'));
const request = JSON.parse(required('BENCH_REQUEST')) as Omit<Anthropic.MessageCreateParamsNonStreaming, 'messages'>;
const anthropic = new Anthropic({ apiKey: required('ANTHROPIC_API_KEY'), baseURL: required('ANTHROPIC_BASE_URL') });

const worker = new Worker<{ instructions: string }, BenchJobResult>(
  required('BENCH_QUEUE'),
  async (job) => {
    const startedAt = Date.now();
    const message = await anthropic.messages.create({ ...request, messages: [{ role: 'user', content: job.data.instructions }] });
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    return { text, startedAt };
  },
  { connection: { host: redis.hostname, port: Number(redis.port), maxRetriesPerRequest: null }, concurrency: 1 },
);
// A Worker emits connection errors instead of throwing them; without a listener they would crash it.
worker.on('error', (error) => console.error(error));

worker.waitUntilReady().then(
  () => process.stdout.write(`ready ${Date.now()}\n`),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
