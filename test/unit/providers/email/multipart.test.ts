import { describe, expect, it } from 'vitest';
import { multipartParts, splitEntity } from '../../../../functions/providers/email/multipart.ts';

const texts = (parts: Buffer[]) => parts.map((part) => part.toString());

describe('multipartParts', () => {
  it('returns each part between CRLF delimiters, without the line break that belongs to the delimiter', () => {
    // Prepare
    const body = Buffer.from('--xYzZY\r\nA: 1\r\n\r\none\r\n--xYzZY\r\n\r\ntwo\r\n--xYzZY--\r\n');

    // Act
    const parts = multipartParts(body, 'xYzZY');

    // Assess
    expect(texts(parts)).toEqual(['A: 1\r\n\r\none', '\r\ntwo']);
  });

  it('ignores the preamble and the epilogue (RFC 2046 §5.1.1)', () => {
    const body = Buffer.from('This is a preamble.\r\n--b\r\n\r\nbody\r\n--b--\r\nThis is an epilogue.\r\n--b\r\n\r\nnot a part\r\n');

    expect(texts(multipartParts(body, 'b'))).toEqual(['\r\nbody']);
  });

  it('accepts bare LF line ends', () => {
    const body = Buffer.from('--b\n\none\n--b\n\ntwo\n--b--\n');

    expect(texts(multipartParts(body, 'b'))).toEqual(['\none', '\ntwo']);
  });

  it('keeps a line that only starts like the boundary inside the part', () => {
    const body = Buffer.from('--b\r\n\r\n--bx is not a delimiter\r\n--b--');

    expect(texts(multipartParts(body, 'b'))).toEqual(['\r\n--bx is not a delimiter']);
  });

  it('keeps the rest of the body as the last part when the close delimiter is missing', () => {
    const body = Buffer.from('--b\r\n\r\none\r\n--b\r\n\r\ntruncated');

    expect(texts(multipartParts(body, 'b'))).toEqual(['\r\none', '\r\ntruncated']);
  });

  it('keeps an empty part empty', () => {
    const body = Buffer.from('--b\r\n--b\r\n\r\nx\r\n--b--');

    expect(texts(multipartParts(body, 'b'))).toEqual(['', '\r\nx']);
  });

  it('keeps binary bytes as they are, as views into the body', () => {
    const binary = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 0x89]);
    const body = Buffer.concat([Buffer.from('--b\r\n\r\n'), binary, Buffer.from('\r\n--b--')]);

    const [part] = multipartParts(body, 'b');

    expect(part?.subarray(2)).toEqual(binary);
    expect(part?.buffer).toBe(body.buffer);
  });

  it('finds nothing in a body without the boundary', () => {
    expect(multipartParts(Buffer.from('no parts here'), 'b')).toEqual([]);
  });
});

describe('splitEntity', () => {
  it('splits at the first empty line', () => {
    const { header, body } = splitEntity(Buffer.from('A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore'));

    expect(header).toBe('A: 1\r\nB: 2\r');
    expect(body.toString()).toBe('body\r\n\r\nmore');
  });

  it('has no headers when the entity starts with an empty line', () => {
    const { header, body } = splitEntity(Buffer.from('\r\nbody'));

    expect(header).toBe('');
    expect(body.toString()).toBe('body');
  });

  it('is all headers when there is no empty line', () => {
    const { header, body } = splitEntity(Buffer.from('A: 1\nB: 2'));

    expect(header).toBe('A: 1\nB: 2');
    expect(body.length).toBe(0);
  });
});
