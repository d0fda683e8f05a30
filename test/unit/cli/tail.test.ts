import { describe, expect, it } from 'vitest';
import { describeFrame, socketUrl } from '../../../lib/cli/tail.ts';

const at = new Date('2026-11-22T12:00:00.000Z');

describe('describeFrame', () => {
  it('shows a new message as its conversation, both numbers and its text', () => {
    // Prepare
    const raw = JSON.stringify({
      type: 'message.created',
      tenantId: 'acme',
      cursor: 'c',
      data: { id: 'msg_1', conversationId: 'conv_1', from: '+14155550100', to: '+15005550006', text: 'Is my "order" ready?' },
    });

    // Act
    const line = describeFrame(raw, at);

    // Assess
    expect(line).toBe('2026-11-22T12:00:00.000Z  message.created       conv_1  +14155550100 → +15005550006  "Is my \\"order\\" ready?"');
  });

  it('shows a conversation update as the conversation and its last message', () => {
    const raw = JSON.stringify({ type: 'conversation.updated', tenantId: 'acme', cursor: 'c', data: { id: 'conv_1', lastMessagePreview: 'Is my order ready?' } });

    const line = describeFrame(raw, at);

    expect(line).toBe('2026-11-22T12:00:00.000Z  conversation.updated  conv_1  last: "Is my order ready?"');
  });

  it('shows input that is not JSON as it came', () => {
    expect(describeFrame('{"type": "message.cr', at)).toBe('2026-11-22T12:00:00.000Z  {"type": "message.cr');
  });

  it.each(['null', '42', '"text"'])('shows JSON that is not a frame object (%s) as it came', (raw) => {
    expect(describeFrame(raw, at)).toBe(`2026-11-22T12:00:00.000Z  ${raw}`);
  });
});

describe('socketUrl', () => {
  it('adds the token to the local gateway URL', () => {
    expect(socketUrl('ws://127.0.0.1:3001', 'eyJ.abc-def_ghi')).toBe('ws://127.0.0.1:3001/?token=eyJ.abc-def_ghi');
  });

  it("adds the token to API Gateway's URL, keeping the stage path", () => {
    const url = new URL(socketUrl('wss://x.execute-api.us-east-1.amazonaws.com/prod', 'eyJ.abc-def_ghi'));

    expect(url.protocol).toBe('wss:');
    expect(url.host).toBe('x.execute-api.us-east-1.amazonaws.com');
    expect(url.pathname).toBe('/prod');
    expect(url.searchParams.get('token')).toBe('eyJ.abc-def_ghi');
    expect(url.toString()).toBe('wss://x.execute-api.us-east-1.amazonaws.com/prod?token=eyJ.abc-def_ghi');
  });
});
