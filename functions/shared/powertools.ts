import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * One logger and one metrics buffer per function process (the tracer is in tracing.ts). Log lines carry a
 * `correlation_id`: the webhook's request id, from the ack through the queue and the table to
 * the frame.
 */
export const logger = new Logger({ serviceName: 'switchboard' });
export const metrics = new Metrics({ namespace: 'Switchboard', serviceName: 'switchboard' });

/**
 * Emits one metric with its own dimensions right away (EMF), so metrics of one invocation can
 * carry different dimensions. Dimension values must come from a small fixed set, never from a
 * caller: each distinct value is a new CloudWatch metric.
 */
export const emitMetric = (name: string, value: number, unit: (typeof MetricUnit)[keyof typeof MetricUnit], dimensions: Record<string, string> = {}): void => {
  const metric = metrics.singleMetric();
  for (const [dimension, dimensionValue] of Object.entries(dimensions)) metric.addDimension(dimension, dimensionValue);
  metric.addMetric(name, unit, value);
};

export { MetricUnit };
