import { setTimeout as sleep } from 'node:timers/promises';
import { metaJson, newWamid, signedMetaRequest, whatsappTextPayload } from '../../functions/providers/meta/sample.ts';
import { socketUrl } from '../../lib/cli/tail.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { openSocket, type RecordingSocket } from '../helpers/sockets.ts';
import { aPhoto } from './media-files.ts';
import { round, summarize } from './stats.ts';

/**
 * Whether keeping media changes the message figures (issue 17: "media fetch never changes the
 * end-to-end message figures"). On one fresh local stack, signed WhatsApp webhooks on a fixed
 * schedule, a text and a photo in turn, each photo a media id the stack's Graph API stand-in
 * serves; for each, the start of its POST to the `message.created` frame on the tenant's
 * socket. A message with media is pushed when it is stored, its file still pending: the media
 * function is a second consumer of the stream, so the two kinds should arrive alike. Apart,
 * for information: the POST to the `message.updated` frame that carries the file ready.
 */

export interface EndToEndMediaOptions {
  /** Webhooks per second, half of them with a photo. */
  readonly rate?: number;
  readonly seconds?: number;
  /** Seconds at the same rate and mix before the timed window, on the same stack: outside the figures. */
  readonly warmupSeconds?: number;
  /** Each photo's size. */
  readonly photoBytes?: number;
  /** How long to wait for the last frames (and files) after the last POST. */
  readonly settleMs?: number;
  readonly signal?: AbortSignal;
}

interface Figures {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface EndToEndMediaResult {
  readonly rate: number;
  readonly seconds: number;
  readonly photoBytes: number;
  /** POST start → `message.created`, text webhooks. */
  readonly withoutMedia: Figures & { readonly sent: number };
  /** POST start → `message.created`, photo webhooks (the file still pending). */
  readonly withMedia: Figures & { readonly sent: number };
  /** With media ÷ without, p50 and p99. */
  readonly ratio: { readonly p50: number; readonly p99: number };
  /** POST start → the `message.updated` frame with the photo `ready`; `failed`: settled otherwise. */
  readonly mediaReady: Figures & { readonly failed: number };
  readonly duplicateFrames: number;
}

const tenantId = 'bench-e2e-media';
const appSecret = 'bench-e2e-media-app-secret';
const accessToken = 'bench-e2e-media-access-token';
const phoneNumberId = '106540352242922';

const figuresOf = (samples: readonly number[]): Figures => {
  const summary = summarize(samples);
  return { count: summary.count, p50: round(summary.p50), p95: round(summary.p95), p99: round(summary.p99), max: round(summary.max) };
};

interface FrameData {
  readonly providerMessageId?: string;
  readonly media?: readonly { readonly state?: string }[];
}

/** A WhatsApp webhook of one message: a text, or a photo by its media id, as Cloud API posts them. */
const whatsappWebhook = (messageId: string, from: string, content: { text: string } | { mediaId: string }): string => {
  const payload = whatsappTextPayload({ text: 'text' in content ? content.text : '', from, to: phoneNumberId, sentAt: new Date(), messageId }) as {
    entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[];
  };
  if ('mediaId' in content) {
    const messages = payload.entry[0]?.changes[0]?.value.messages ?? [];
    // https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples#media-messages
    messages[0] = { ...messages[0], type: 'image', text: undefined, image: { id: content.mediaId, mime_type: 'image/png', caption: 'the parcel as it arrived' } };
  }
  return metaJson(payload);
};

export const measureEndToEndMedia = async (options: EndToEndMediaOptions = {}): Promise<EndToEndMediaResult> => {
  const rate = options.rate ?? 50;
  const seconds = options.seconds ?? 20;
  const photoBytes = options.photoBytes ?? 1024 * 1024;
  let stack: LocalStackProcess | undefined;
  let socket: RecordingSocket | undefined;
  const abandon = () => void stack?.stop();
  options.signal?.addEventListener('abort', abandon, { once: true });
  try {
    stack = await startLocalStackProcess();
    options.signal?.throwIfAborted();
    const endpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'meta', '--tenant', tenantId, '--secret', appSecret, '--verify-token', 'bench-verify'])) as { endpointId: string; url: string };
    // WhatsApp media ids are fetched with the endpoint's access token: without it every photo would fail `not_configured`.
    await stack.cli(['endpoint', 'credentials', endpoint.endpointId, '--meta-access-token', accessToken]);
    const graph = stack.description.providerApiBaseUrls.graphApiBaseUrl;
    const token = (await stack.cli(['token', '--tenant', tenantId])).trim();
    socket = await openSocket(socketUrl(stack.description.wsUrl, token));

    const postStart = new Map<string, number>();
    const createdAt = new Map<string, number>();
    const settled = new Map<string, { at: number; state: string }>();
    let duplicateFrames = 0;
    socket.socket.on('message', (data) => {
      const at = performance.now();
      const frame = JSON.parse(data.toString()) as { type?: string; data?: FrameData };
      const id = frame.data?.providerMessageId;
      if (!id || !postStart.has(id)) return;
      if (frame.type === 'message.created') {
        if (createdAt.has(id)) duplicateFrames++;
        else createdAt.set(id, at);
      }
      const state = frame.data?.media?.[0]?.state;
      if (frame.type === 'message.updated' && state !== undefined && state !== 'pending' && !settled.has(id)) settled.set(id, { at, state });
    });

    /** `total` webhooks at `rate`, a text and a photo in turn; resolves once every frame (and file) is in, or the settle time passed. */
    const sendMix = async (total: number) => {
      const webhooks = Array.from({ length: total }, (_, i) => ({ id: newWamid(), from: `1650555${String(1000 + (i % 200))}`, mediaId: i % 2 === 1 ? `${Date.now()}${String(i).padStart(6, '0')}` : undefined }));
      // The customers' photos, on the Graph stand-in's shelf before the schedule starts, through its control route.
      for (const { mediaId } of webhooks) {
        if (mediaId === undefined) continue;
        const { bytes, ...file } = aPhoto(photoBytes);
        const response = await fetch(`${graph}/_switchboard/media/${mediaId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...file, base64: bytes?.toString('base64') }) });
        if (response.status !== 201) throw new Error(`the Graph stand-in answered ${response.status} to a photo`);
      }
      const requests = webhooks.map(({ id, from, mediaId }) => signedMetaRequest(appSecret, whatsappWebhook(id, from, mediaId === undefined ? { text: `is my parcel out for delivery? (${id.slice(-6)})` } : { mediaId })));
      const posts: Promise<unknown>[] = [];
      const start = performance.now() + 5;
      for (const [i, request] of requests.entries()) {
        const wait = start + (i * 1000) / rate - performance.now();
        if (wait > 0) await sleep(wait);
        const { id } = webhooks[i] as (typeof webhooks)[number];
        postStart.set(id, performance.now());
        posts.push(fetch(endpoint.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(10_000) }).then((response) => response.arrayBuffer(), () => undefined));
      }
      await Promise.all(posts);
      const settleBy = performance.now() + (options.settleMs ?? 30_000);
      const done = () => webhooks.every(({ id, mediaId }) => createdAt.has(id) && (mediaId === undefined || settled.has(id)));
      while (!done() && performance.now() < settleBy) await sleep(100);
      return webhooks;
    };

    await sendMix(Math.round((options.warmupSeconds ?? 5) * rate));
    const webhooks = await sendMix(rate * seconds);

    const since = (at: number | undefined, id: string) => (at === undefined ? [] : [at - (postStart.get(id) ?? at)]);
    const text = webhooks.filter(({ mediaId }) => mediaId === undefined);
    const photos = webhooks.filter(({ mediaId }) => mediaId !== undefined);
    const withoutMedia = figuresOf(text.flatMap(({ id }) => since(createdAt.get(id), id)));
    const withMedia = figuresOf(photos.flatMap(({ id }) => since(createdAt.get(id), id)));
    const ready = photos.filter(({ id }) => settled.get(id)?.state === 'ready');
    return {
      rate,
      seconds,
      photoBytes,
      withoutMedia: { ...withoutMedia, sent: text.length },
      withMedia: { ...withMedia, sent: photos.length },
      ratio: { p50: round(withMedia.p50 / withoutMedia.p50), p99: round(withMedia.p99 / withoutMedia.p99) },
      mediaReady: { ...figuresOf(ready.flatMap(({ id }) => since(settled.get(id)?.at, id))), failed: photos.filter(({ id }) => settled.get(id)?.state === 'failed').length },
      duplicateFrames,
    };
  } finally {
    options.signal?.removeEventListener('abort', abandon);
    await socket?.close();
    await stack?.stop();
  }
};
