import type { FauxqsServer } from 'fauxqs';
import { createServer } from 'node:http';
import { listeningUrl, loopbackHost } from './address.ts';
import { closeServer } from './http-gateway.ts';

interface MetricDataQuery {
  Id?: string;
  MetricStat?: { Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] } };
}

/** The part of fauxqs's server this stand-in reads: a queue's messages, without receiving them. */
type QueueInspector = Pick<FauxqsServer, 'inspectQueue'>;

/** Seconds since the oldest message still in the queue (waiting, delayed or in flight) was sent. */
const ageOfOldestMessage = (queues: QueueInspector, queueName: string): number | undefined => {
  const state = queues.inspectQueue(queueName)?.messages;
  if (!state) return undefined;
  const sent = [...state.ready, ...state.delayed, ...state.inflight.map((entry) => entry.message)].map((message) => message.sentTimestamp);
  return sent.length === 0 ? 0 : Math.floor((Date.now() - Math.min(...sent)) / 1000);
};

/**
 * CloudWatch's GetMetricData, for the one metric the functions read: SQS's
 * ApproximateAgeOfOldestMessage, computed from fauxqs's own queue state. It speaks the SDK's
 * JSON protocol, so the health function runs unchanged against it.
 */
export const startCloudWatchStandIn = async ({ queues, host = loopbackHost }: { queues: QueueInspector; host?: string }) => {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const send = (statusCode: number, body: unknown) => {
        response.writeHead(statusCode, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body));
      };
      if (!String(request.headers['x-amz-target'] ?? '').endsWith('.GetMetricData')) {
        send(400, { __type: 'InvalidAction', message: 'only GetMetricData is available locally' });
        return;
      }
      let MetricDataQueries: MetricDataQuery[];
      try {
        ({ MetricDataQueries = [] } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { MetricDataQueries?: MetricDataQuery[] });
      } catch {
        send(400, { __type: 'SerializationException', message: 'the body is not JSON' });
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      send(200, {
        Messages: [],
        MetricDataResults: MetricDataQueries.map((query) => {
          const metric = query.MetricStat?.Metric;
          const queueName = metric?.Dimensions?.find((dimension) => dimension.Name === 'QueueName')?.Value;
          const age =
            metric?.Namespace === 'AWS/SQS' && metric.MetricName === 'ApproximateAgeOfOldestMessage' && queueName
              ? ageOfOldestMessage(queues, queueName)
              : undefined;
          return { Id: query.Id, Label: metric?.MetricName, StatusCode: 'Complete', Timestamps: age === undefined ? [] : [now], Values: age === undefined ? [] : [age] };
        }),
      });
    });
  });
  server.listen(0, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return { endpoint: listeningUrl('http', server), stop: () => closeServer(server) };
};
