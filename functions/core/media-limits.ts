import { Refused } from './errors.ts';
import type { Channel } from './message.ts';

/**
 * What each channel's provider takes as an attachment: the content types, each file's size and
 * a message's total. Checked twice for an uploaded file: when the upload is asked for (its
 * declared type and size), and when a message names it (the stored object's real size).
 */

const MB = 1024 * 1024;

/** Content types a channel takes, each up to `maxBytes`; `*` ends a pattern that takes a whole family. */
interface TypeRule {
  readonly types: readonly string[];
  readonly maxBytes: number;
}

export interface ChannelMediaLimits {
  readonly rules: readonly TypeRule[];
  /** All of a message's files together. */
  readonly maxTotalBytes: number;
}

/** Twilio MMS: https://www.twilio.com/docs/messaging/guides/accepted-mime-types (5 MB for the message and its media together). */
const twilioMms: ChannelMediaLimits = {
  rules: [
    {
      types: ['image/jpeg', 'image/jpg', 'image/gif', 'image/png', 'image/bmp', 'image/tiff', 'image/webp', 'audio/*', 'video/*', 'text/vcard', 'text/x-vcard', 'text/calendar', 'text/csv', 'text/rtf', 'application/pdf', 'application/vcard'],
      maxBytes: 5 * MB,
    },
  ],
  maxTotalBytes: 5 * MB,
};

/**
 * WhatsApp Cloud API: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#supported-media-types.
 * Documents may be 100 MB there, but Twilio's WhatsApp caps a message at 16 MB
 * (https://www.twilio.com/docs/whatsapp/guidance-whatsapp-media-messages): the stricter holds for both.
 */
const whatsapp: ChannelMediaLimits = {
  rules: [
    { types: ['image/jpeg', 'image/png'], maxBytes: 5 * MB },
    { types: ['video/mp4', 'video/3gpp', 'audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'], maxBytes: 16 * MB },
    {
      types: [
        'text/plain',
        'application/pdf',
        'application/msword',
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'application/vnd.ms-excel',
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'application/vnd.ms-powerpoint',
        'application/vnd.openxmlformats-officedocument.presentationml.presentation',
      ],
      maxBytes: 16 * MB,
    },
  ],
  maxTotalBytes: 16 * MB,
};

/** Messenger sends any file as a `file` attachment, 25 MB each: https://developers.facebook.com/docs/messenger-platform/send-messages#file-attachments. */
const messenger: ChannelMediaLimits = { rules: [{ types: ['*'], maxBytes: 25 * MB }], maxTotalBytes: 25 * MB };

/** Instagram: https://developers.facebook.com/docs/messenger-platform/instagram/features/send-message (images 8 MB, audio, video and PDF 25 MB). */
const instagram: ChannelMediaLimits = {
  rules: [
    { types: ['image/png', 'image/jpeg', 'image/gif'], maxBytes: 8 * MB },
    { types: ['audio/aac', 'audio/mp4', 'audio/wav', 'audio/x-wav', 'video/mp4', 'video/ogg', 'video/x-msvideo', 'video/quicktime', 'video/webm', 'application/pdf'], maxBytes: 25 * MB },
  ],
  maxTotalBytes: 25 * MB,
};

/**
 * Email: any file. Mailgun takes a message of 25 MB (https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/)
 * and SendGrid 30 MB (https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send); attachments
 * travel base64-encoded, a third larger, so 18 MB of files is 24 MB on the wire, under both.
 */
const email: ChannelMediaLimits = { rules: [{ types: ['*'], maxBytes: 18 * MB }], maxTotalBytes: 18 * MB };

export const channelMediaLimits: Readonly<Record<Channel, ChannelMediaLimits>> = {
  // Twilio sends an SMS with media as an MMS.
  sms: twilioMms,
  mms: twilioMms,
  whatsapp,
  messenger,
  instagram,
  email,
};

/**
 * The largest file anyone may upload, whatever it is sent on later: Messenger's and Instagram's
 * 25 MB, the largest any channel here takes.
 */
export const defaultMaxUploadBytes = 25 * MB;

const matches = (pattern: string, contentType: string): boolean =>
  pattern === '*' || (pattern.endsWith('/*') ? contentType.startsWith(pattern.slice(0, -1)) : pattern === contentType);

const megabytes = (bytes: number): string => `${Number((bytes / MB).toFixed(1))} MB`;

/** A file's type without parameters, lower-cased: `image/JPEG; name=a` is `image/jpeg`. */
export const bareContentType = (contentType: string): string => (contentType.split(';')[0] ?? '').trim().toLowerCase();

export interface FileFacts {
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly filename?: string;
}

const nameOf = (file: FileFacts): string => (file.filename ? `${file.filename} (${file.contentType})` : file.contentType);

/** Refuses a file the channel does not take: `bad_request` for its type, `too_large` for its size. */
/**
 * Types a browser would run if served from our bucket: never kept, never uploaded, whatever a
 * channel or the allow-list takes, since every kept file is served through our signed links.
 */
export const activeTypes: ReadonlySet<string> = new Set(['image/svg+xml', 'text/html', 'application/xhtml+xml', 'text/xml', 'application/xml', 'text/javascript', 'application/javascript']);

export const checkFileFor = (channel: Channel, file: FileFacts): void => {
  const contentType = bareContentType(file.contentType);
  if (activeTypes.has(contentType)) throw new Refused('bad_request', `${nameOf(file)} is ${contentType}, which a browser would run: send it as a download (application/octet-stream) or in another format`);
  const rule = channelMediaLimits[channel].rules.find(({ types }) => types.some((pattern) => matches(pattern, contentType)));
  if (!rule) throw new Refused('bad_request', `${channel} does not take ${nameOf(file)} files`);
  if (file.sizeBytes > rule.maxBytes) throw new Refused('too_large', `${nameOf(file)} is ${megabytes(file.sizeBytes)}: ${channel} takes ${contentType} files of up to ${megabytes(rule.maxBytes)}`);
};

/** Refuses a message's files if any is refused, or if together they are over the channel's total. */
export const checkFilesFor = (channel: Channel, files: readonly FileFacts[]): void => {
  for (const file of files) checkFileFor(channel, file);
  const total = files.reduce((sum, file) => sum + file.sizeBytes, 0);
  const { maxTotalBytes } = channelMediaLimits[channel];
  if (total > maxTotalBytes) throw new Refused('too_large', `the files come to ${megabytes(total)}: ${channel} takes up to ${megabytes(maxTotalBytes)} in one message`);
};
