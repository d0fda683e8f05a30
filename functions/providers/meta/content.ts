import type { MediaItem } from '../../core/message.ts';

/** The body of a message, whatever shape the provider gave it: what an agent reads and sees. */
export interface RenderedContent {
  readonly contentType: string;
  readonly text: string;
  readonly media: readonly MediaItem[];
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The entries that carry a value, or undefined when none does: absent details stay absent. */
export const detailsOf = (entries: Record<string, unknown>): Record<string, unknown> | undefined => {
  const present = Object.entries(entries).filter(([, value]) => value !== undefined);
  return present.length === 0 ? undefined : Object.fromEntries(present);
};

/** `📍 Name, address (lat, long)`: a location an agent can read without a map. */
export const locationText = (latitude: number, longitude: number, label?: string): string =>
  `📍 ${label || 'Location'} (${latitude}, ${longitude})`;
