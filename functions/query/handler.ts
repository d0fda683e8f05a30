import httpRouterHandler from '@middy/http-router';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoDocumentClient } from '../adapters/clients.ts';
import { createFeedReader } from '../adapters/feed-store.ts';
import { mediaStoreBeside } from '../adapters/media-store.ts';
import { createQueryStore } from '../adapters/query-store.ts';
import { createStatsReader } from '../adapters/stats-reader.ts';
import { Refused } from '../core/errors.ts';
import { showsInline } from '../core/media.ts';
import type { MediaItem } from '../core/message.ts';
import { answerFailures } from '../shared/answer-failures.ts';
import { providerNames } from '../providers/registry.ts';
import { bearerGrant } from '../shared/bearer-auth.ts';
import { configOf } from '../shared/config.ts';
import { corsForAnyOrigin } from '../shared/cors.ts';
import { withHttpMiddleware } from '../shared/middleware.ts';
import { grantVerifierFrom } from '../shared/token-verifier.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { queryRoutes } from './routes.ts';

const config = configOf('query');
const store = createQueryStore(dynamoDocumentClient(traced), config.MESSAGES_TABLE);
const feed = createFeedReader(dynamoDocumentClient(traced), config.FEED_TABLE);
const stats = createStatsReader(dynamoDocumentClient(traced), config.STATS_TABLE);
const verify = grantVerifierFrom(config);
const clock = { now: () => Date.now(), sleep: (milliseconds: number) => sleep(milliseconds) };
const media = mediaStoreBeside(dynamoDocumentClient(traced), config.BODY_BUCKET);
/** Long enough to open a conversation and look; a link handed on stops working soon after. */
const mediaLinkSeconds = 15 * 60;
const mediaLink = (key: string, item: MediaItem) =>
  media.presignGet(key, mediaLinkSeconds, { ...(item.contentType && { contentType: item.contentType }), ...(item.filename && { filename: item.filename }), inline: showsInline(item.contentType) });
const router = httpRouterHandler({
  routes: queryRoutes({ store, feed, clock, mediaLink, stats, providers: providerNames }),
  notFoundResponse: () => {
    throw new Refused('not_found', 'no such route');
  },
});

/**
 * GET /conversations, GET /conversations/{id}/messages and GET /events, each scoped to the
 * token's tenant; GET /stats and GET /webhooks/recent, the tenant's or, for an admin's token,
 * everyone's; and their preflights.
 */
export const handler = withHttpMiddleware(
  router,
  [
    // The inbox may be hosted on any origin; the preflight is answered here, through the same
    // Lambda proxy route, because API Gateway's mock preflight fails on this REST API, which
    // treats every media type as binary.
    // A conversation's messages are also where a reply is POSTed (the send function): one preflight allows both.
    corsForAnyOrigin({ allowMethods: 'GET, POST, OPTIONS', allowHeaders: 'authorization, content-type, idempotency-key', maxAgeSeconds: 7200 }),
    // After CORS: a failure is answered first, and the answer then gets CORS's header too.
    answerFailures(),
    bearerGrant(verify),
  ],
  tracer,
);
