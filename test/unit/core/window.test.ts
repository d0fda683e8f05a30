import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Channel } from '../../../functions/core/message.ts';
import { hasWindow, windowOf } from '../../../functions/core/window.ts';

const hour = 3600 * 1000;
const lastInbound = new Date('2026-11-22T12:00:00.000Z');
const after = (milliseconds: number) => new Date(lastInbound.getTime() + milliseconds);
const at = (milliseconds: number) => after(milliseconds).toISOString();

describe('windowOf', () => {
  it.each<Channel>(['sms', 'mms', 'email'])('keeps %s always open, whenever the customer last wrote', (channel) => {
    // Act
    const windows = [windowOf(channel, undefined, lastInbound), windowOf(channel, lastInbound.toISOString(), after(365 * 24 * hour))];

    // Assess
    expect(hasWindow(channel)).toBe(false);
    expect(windows).toEqual([{ open: true }, { open: true }]);
  });

  describe('WhatsApp', () => {
    it('is open for free-form messages until exactly 24 hours after the customer last wrote', () => {
      expect(windowOf('whatsapp', lastInbound.toISOString(), after(24 * hour - 1))).toEqual({ open: true, closesAt: at(24 * hour) });
    });

    it('closes at exactly 24 hours, and then needs a template', () => {
      expect(windowOf('whatsapp', lastInbound.toISOString(), after(24 * hour))).toEqual({ open: false, closesAt: at(24 * hour), templateRequired: true });
    });

    it('has no human-agent extension: closed at 3 days as at 25 hours', () => {
      expect(windowOf('whatsapp', lastInbound.toISOString(), after(3 * 24 * hour))).toEqual({ open: false, closesAt: at(24 * hour), templateRequired: true });
    });

    it('is closed, template required, before the customer ever wrote', () => {
      expect(windowOf('whatsapp', undefined, lastInbound)).toEqual({ open: false, templateRequired: true });
    });
  });

  describe.each<Channel>(['messenger', 'instagram'])('%s', (channel) => {
    it('is open without a tag until exactly 24 hours', () => {
      expect(windowOf(channel, lastInbound.toISOString(), after(24 * hour - 1))).toEqual({ open: true, closesAt: at(24 * hour) });
    });

    it('from 24 hours to 7 days, is open only with the HUMAN_AGENT tag', () => {
      // Act
      const windows = [after(24 * hour), after(7 * 24 * hour - 1)].map((now) => windowOf(channel, lastInbound.toISOString(), now));

      // Assess
      expect(windows).toEqual([
        { open: true, closesAt: at(7 * 24 * hour), humanAgentTag: true },
        { open: true, closesAt: at(7 * 24 * hour), humanAgentTag: true },
      ]);
    });

    it('closes at exactly 7 days, and no template can open it', () => {
      expect(windowOf(channel, lastInbound.toISOString(), after(7 * 24 * hour))).toEqual({ open: false, closesAt: at(7 * 24 * hour), templateRequired: false });
    });

    it('is closed before the customer ever wrote', () => {
      expect(windowOf(channel, undefined, lastInbound)).toEqual({ open: false, templateRequired: false });
    });
  });

  it('takes an unreadable last inbound time for none', () => {
    expect(windowOf('messenger', 'not a time', lastInbound)).toEqual({ open: false, templateRequired: false });
  });

  it('is open exactly when now is before closesAt, on every windowed channel', () => {
    fc.assert(
      fc.property(fc.constantFrom<Channel>('whatsapp', 'messenger', 'instagram'), fc.integer({ min: 0, max: 10 * 24 * hour }), (channel, elapsed) => {
        const window = windowOf(channel, lastInbound.toISOString(), after(elapsed));
        expect(window.closesAt).toBeDefined();
        expect(window.open).toBe(after(elapsed).getTime() < Date.parse(window.closesAt ?? ''));
        expect(window.humanAgentTag === true).toBe(window.open && elapsed >= 24 * hour);
      }),
    );
  });
});
