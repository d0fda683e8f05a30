import type { Route } from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { FeedReader } from '../core/feed.ts';
import { withMediaLinks } from '../core/media.ts';
import type { MediaItem } from '../core/message.ts';
import { listConversations, listMessages, pollEvents, type Clock, type QueryStore } from '../core/query.ts';
import { readRecent, readStats, type StatsReader } from '../core/stats.ts';
import type { GrantContext } from '../shared/bearer-auth.ts';
import { json } from '../shared/http.ts';

export interface QueryRouteDependencies {
  readonly store: QueryStore;
  readonly feed: FeedReader;
  readonly clock: Clock;
  /** A short-lived signed GET of a kept media file (adapters/media-store.ts presignGet). */
  readonly mediaLink: (key: string, item: MediaItem) => Promise<{ url: string; expiresAt: string }>;
  readonly stats: StatsReader;
  /** The provider names GET /stats filters on (providers/registry.ts providerNames). */
  readonly providers: readonly string[];
}

/** A long-poll stops waiting this long before the function's own timeout, to answer in time. */
const answerMarginMs = 2_000;
/** Answers hold a tenant's messages: no cache may keep them. */
const privateHeaders = { 'cache-control': 'private, no-store' };

type QueryRoute = Route<APIGatewayProxyEvent, APIGatewayProxyResult>;
type TenantHandler = (event: APIGatewayProxyEvent, context: GrantContext) => Promise<APIGatewayProxyResult>;

// The router hands each route the context it was given: bearerGrant's, with the tenant and whether it is an admin's.
const route = (path: string, handler: TenantHandler): QueryRoute => ({ method: 'GET', path, handler: handler as QueryRoute['handler'] });

/**
 * The query API's GET routes, each answering for the tenant of the caller's token only
 * (context.tenantId), except that an admin's token reads everyone's figures, or one tenant's
 * it names, on /stats and /webhooks/recent.
 */
export const queryRoutes = ({ store, feed, clock, mediaLink, stats, providers }: QueryRouteDependencies): QueryRoute[] => [
  route('/conversations', async (event, { tenantId }) => json(200, await listConversations(store, tenantId, event.queryStringParameters), privateHeaders)),
  route('/conversations/{id}/messages', async (event, { tenantId }) => {
    const page = await listMessages(store, tenantId, event.pathParameters?.id ?? '', event.queryStringParameters);
    // Each kept file gets a fresh link, signed for the caller's tenant's own key.
    const messages = await Promise.all(page.messages.map((message) => withMediaLinks(tenantId, message, mediaLink)));
    return json(200, { ...page, messages }, privateHeaders);
  }),
  route('/events', async (event, context) => {
    const deadline = clock.now() + context.getRemainingTimeInMillis() - answerMarginMs;
    const body = await pollEvents(feed, context.tenantId, event.queryStringParameters, clock, deadline);
    return { statusCode: 200, headers: { 'content-type': 'application/json', ...privateHeaders }, body };
  }),
  route('/stats', async (event, context) => json(200, await readStats(stats, context, event.queryStringParameters, providers, new Date(clock.now())), privateHeaders)),
  route('/webhooks/recent', async (event, context) => json(200, await readRecent(stats, context, event.queryStringParameters), privateHeaders)),
];
