import type { MediaFile } from '../../lib/local/provider-standins/media-shelf.ts';

/** A 1×1 PNG: its magic number makes the media function's sniff say image/png, whatever follows it. */
const onePixelPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/**
 * A customer's photo of `sizeBytes` as a provider stand-in serves it: a real PNG head, then
 * zeros streamed by the stand-in and never held in the bench's memory.
 */
export const aPhoto = (sizeBytes: number): MediaFile => ({ contentType: 'image/png', bytes: onePixelPng, sizeBytes });
