/** The API described as OpenAPI 3.1, served at /openapi.json. */
import { OUTPUT_FORMATS } from './options.js';

const error = { type: 'object', properties: { error: { type: 'string' }, parameter: { type: 'string' } }, required: ['error'] };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'LivePortrait service',
      version: '0.1.0',
      description: 'Portrait animation jobs: upload a source portrait and a driver, follow progress, download the result. Video jobs are rendered in chunks by any number of workers.',
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from --api-keys or LIVEPORTRAIT_API_KEYS (none with --no-auth).' } },
      schemas: {
        Error: error,
        Job: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            kind: { enum: ['animate', 'edit', 'template'] },
            state: { enum: ['queued', 'running', 'done', 'failed', 'cancelled', 'expired'] },
            format: { type: 'string' },
            created: { type: 'string', format: 'date-time' },
            started: { type: ['string', 'null'], format: 'date-time' },
            finished: { type: ['string', 'null'], format: 'date-time' },
            progress: { type: 'object', properties: { done: { type: 'integer' }, total: { type: ['integer', 'null'] } } },
            fps: { type: 'number', description: 'frames rendered per second since the job started' },
            chunks: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  index: { type: 'integer' },
                  frames: { type: 'array', items: { type: 'integer' }, description: '[start, end) frame range' },
                  state: { enum: ['waiting', 'active', 'done', 'failed'] },
                  done: { type: 'integer' },
                  worker: { type: ['string', 'null'], description: 'host:pid of the worker that rendered the chunk' },
                  attempts: { type: 'integer' },
                  error: { type: 'string' },
                },
              },
            },
            error: { type: ['string', 'null'] },
            links: { type: 'object', properties: { self: { type: 'string' }, events: { type: 'string' }, result: { type: 'string' } } },
          },
        },
      },
    },
    paths: {
      '/v1/jobs': {
        post: {
          summary: 'Submit a job',
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  properties: {
                    kind: { enum: ['animate', 'edit', 'template'], default: 'animate' },
                    source: { type: 'string', format: 'binary', description: 'animate: portrait image or video; edit: portrait image' },
                    driving: { type: 'string', format: 'binary', description: 'animate: video, image or motion template (JSON); template: the video' },
                    from: { type: 'string', format: 'binary', description: 'edit: image whose expression to move toward' },
                    options: {
                      type: 'string',
                      description: `JSON object named as the CLI's flags, e.g. {"region":"lip","multiplier":1.2,"relative":false,"frames":100}; plus "format" (${OUTPUT_FORMATS.join('|')}) and "chunk-frames". Edit jobs take the edit controls (smile, aaa, pupil-x…).`,
                    },
                  },
                },
              },
            },
          },
          responses: {
            202: { description: 'Accepted', content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } },
            400: errorResponse('Invalid input (the message names the option, the value and what is allowed)'),
            401: errorResponse('Missing or invalid API key'),
            413: errorResponse('Upload too large (--max-upload)'),
            429: errorResponse('Rate or concurrent-job limit of the key'),
            503: errorResponse('Redis unreachable'),
            507: errorResponse('Storage full (--max-storage)'),
          },
        },
      },
      '/v1/jobs/{id}': {
        get: { summary: 'Job state and progress', parameters: [idParam], responses: { 200: { description: 'The job', content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } }, 404: errorResponse('No such job (or another key\'s)') } },
        delete: { summary: 'Cancel a job (running workers stop within one frame), or delete a finished job and its result', parameters: [idParam], responses: { 200: { description: 'Cancelled' }, 204: { description: 'Deleted' }, 404: errorResponse('No such job') } },
      },
      '/v1/jobs/{id}/events': {
        get: { summary: 'Server-Sent Events: progress, then done, failed or cancelled (each with the job as data)', parameters: [idParam], responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': {} } } } },
      },
      '/v1/jobs/{id}/result': {
        get: {
          summary: 'The result file (Range requests supported)',
          parameters: [idParam, { name: 'Range', in: 'header', required: false, schema: { type: 'string' } }],
          responses: { 200: { description: 'The file' }, 206: { description: 'Part of the file' }, 409: errorResponse('Not done'), 416: errorResponse('Range not satisfiable') },
        },
      },
      '/v1/health': { get: { summary: 'Redis reachability and connected workers', security: [], responses: { 200: { description: 'Healthy' }, 503: { description: 'Redis unreachable' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', security: [], responses: { 200: { description: 'text/plain' } } } },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1' } } } },
    },
  };
}
