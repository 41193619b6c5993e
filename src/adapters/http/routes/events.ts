import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { EventBus, StoredEvent } from '../../../ports/event-bus.port.js';
import { presentEvent } from '../presenters.js';

export interface EventRoutesOptions {
  readonly events: EventBus;
  readonly heartbeatMs: number;
}

/** Events replayed per `readAfter` page on resume, and the most pages replayed. */
const PAGE = 500;
const MAX_PAGES = 20;
/** A client this far behind is dropped rather than buffered without bound; it resumes with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

const query = z.object({ last_event_id: z.string().max(200).optional() });

function frame(stored: StoredEvent): string {
  return `id: ${stored.id}\ndata: ${JSON.stringify(presentEvent(stored.event))}\n\n`;
}

/** Writes one frame; drops a client that stopped reading. */
function send(res: ServerResponse, text: string): void {
  if (res.writableEnded) return;
  if (res.writableLength > MAX_BUFFERED_BYTES) res.end();
  else res.write(text);
}

async function replay(events: EventBus, lastId: string, res: ServerResponse): Promise<Set<string>> {
  const seen = new Set<string>();
  let after: string | null = lastId;
  for (let page = 0; page < MAX_PAGES && after !== null; page++) {
    const batch = await events.readAfter(after, PAGE);
    for (const stored of batch) {
      seen.add(stored.id);
      send(res, frame(stored));
    }
    after = batch.length === PAGE ? batch[batch.length - 1]!.id : null;
  }
  return seen;
}

interface StreamOptions {
  readonly events: EventBus;
  readonly heartbeatMs: number;
  readonly lastId: string | null;
}

/** Serves one SSE client until it disconnects; resolves once the replay is done and live delivery runs. */
async function stream(res: ServerResponse, { events, heartbeatMs, lastId }: StreamOptions): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 3000\n\n');
  let pending: StoredEvent[] | null = [];
  const unsubscribe = events.subscribe((stored) => {
    if (pending !== null) pending.push(stored);
    else send(res, frame(stored));
  });
  const heartbeat = setInterval(() => send(res, ': heartbeat\n\n'), heartbeatMs);
  res.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
  try {
    const seen = lastId !== null ? await replay(events, lastId, res) : new Set<string>();
    for (const stored of pending) if (!seen.has(stored.id)) send(res, frame(stored));
    pending = null;
  } catch {
    // The backlog could not be read (store unreachable): end the stream, the client retries.
    res.end();
  }
}

/**
 * `GET /api/events`: Server-Sent Events from the EventBus. Each frame has an `id:` line and a JSON
 * `data:` line (the event, snake_case, with its `type`). A client that reconnects with `Last-Event-ID`
 * (or `?last_event_id=`) first gets what it missed (`readAfter`), then live events; live events that
 * arrive during the replay are buffered and deduplicated by id, so none is lost or doubled. A comment
 * line every `heartbeatMs` keeps proxies from closing an idle stream; streams end when the app closes.
 */
export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, { events, heartbeatMs }) => {
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get(
    '/api/events',
    { schema: { querystring: query }, exposeHeadRoute: false },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      const fromQuery = (request.query as z.output<typeof query>).last_event_id;
      const lastId = (typeof header === 'string' ? header : fromQuery) || null;
      reply.hijack();
      open.add(reply.raw);
      reply.raw.on('close', () => open.delete(reply.raw));
      await stream(reply.raw, { events, heartbeatMs, lastId });
    },
  );
};
