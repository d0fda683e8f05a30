import { describe, expect, it } from 'vitest';
import { emptyState, keptView, mediaView, receiveFrame, withMessages } from '../../inbox/model.js';

/** The inbox's side of kept media: what each state shows, and a fresh link fetched when a file is kept. */

const link = 'https://bodies.s3.eu-west-1.amazonaws.com/media/acme/msg_1/0?X-Amz-Signature=abc';

describe('kept media in the inbox', () => {
  it('shows a kept image at once from its link, and a kept document as a link to its copy', () => {
    expect(mediaView({ state: 'ready', contentType: 'image/png', link, url: 'https://cdn.sender.example/a.png' })).toEqual({ kind: 'image', label: 'image/png', href: link });
    expect(mediaView({ state: 'ready', contentType: 'application/pdf', filename: 'invoice.pdf', sizeBytes: 2048, link })).toEqual({ kind: 'link', label: 'invoice.pdf (2 KB)', href: link });
  });

  it('says a file is being kept, or why it was not, beside what the provider gave', () => {
    expect(keptView({ state: 'pending', providerMediaId: '1' })).toEqual({ kind: 'media-pending', label: 'Keeping a copy…' });
    expect(keptView({ state: 'failed', failure: 'too_large' })).toEqual({ kind: 'media-failed', label: 'Not kept: too large' });
    expect(keptView({ state: 'ready', link })).toBeUndefined();
    expect(keptView({ url: 'https://x.example/a' })).toBeUndefined();
  });

  it('reads the conversation again when a frame says a file was kept, since frames carry no link', () => {
    // Prepare
    const pending = { id: 'msg_1', conversationId: 'conv_a', receivedAt: '2026-12-03T10:00:00.000Z', media: [{ state: 'pending' as const, providerMediaId: '1' }] };
    const state = { ...withMessages(emptyState(), 'conv_a', [pending]), cursor: '4' };

    // Act
    const settled = receiveFrame(state, { type: 'message.updated', data: { ...pending, media: [{ state: 'ready', contentType: 'image/png' }] }, cursor: '5' });
    const failed = receiveFrame(state, { type: 'message.updated', data: { ...pending, media: [{ state: 'failed', failure: 'expired' }] }, cursor: '5' });

    // Assess
    expect(settled.refetches).toEqual([{ conversationId: 'conv_a' }]);
    expect(failed.refetches).toEqual([]);
    expect(failed.state.messages.conv_a?.[0]?.media?.[0]).toEqual({ state: 'failed', failure: 'expired' });
  });
});
