import type { MediaItem } from '../../core/message.ts';
import { detailsOf, locationText, type RenderedContent } from './content.ts';
import type { MessagingAttachment, MessagingMessage } from './messaging-schema.ts';

// Messenger's like button sends this sticker (docs: "thumbs-up sticker").
const thumbsUpStickerId = '369239263222822';

// These attachments describe something rather than link a file: they go to details.
const describedKinds = new Set(['location', 'template', 'fallback']);

const urlOf = (attachment: MessagingAttachment): string | undefined => attachment.payload?.url ?? attachment.url;

// Meta's CDN URLs expire (Instagram stories within 24 hours): whoever needs the file fetches it soon.
const mediaOf = (attachment: MessagingAttachment): MediaItem[] => {
  const url = urlOf(attachment);
  if (describedKinds.has(attachment.type) || url === undefined) return [];
  return [{ url, kind: attachment.type, caption: attachment.payload?.title }];
};

const ofKind = (message: MessagingMessage, kind: string): MessagingAttachment | undefined =>
  message.attachments?.find((attachment) => attachment.type === kind);

const coordinatesOf = (message: MessagingMessage): { latitude: number; longitude: number } | undefined => {
  const coordinates = ofKind(message, 'location')?.payload?.coordinates;
  return coordinates && { latitude: coordinates.lat, longitude: coordinates.long };
};

const contentTypeOf = (message: MessagingMessage): string => {
  if (message.is_unsupported) return 'unsupported';
  if (message.sticker_id !== undefined) return 'sticker';
  if (message.reply_to?.story) return 'story_reply';
  if (message.quick_reply) return 'quick_reply';
  return message.attachments?.[0]?.type ?? 'text';
};

const textOf = (message: MessagingMessage): string => {
  if (message.text !== undefined) return message.text;
  if (String(message.sticker_id) === thumbsUpStickerId) return '👍';
  const location = coordinatesOf(message);
  if (location) return locationText(location.latitude, location.longitude);
  const link = ofKind(message, 'fallback');
  return (link && (link.payload?.title ?? link.title ?? urlOf(link))) ?? '';
};

/** What a Messenger or Instagram message says: its text, its files, and what has no text form. */
export const renderMessagingMessage = (message: MessagingMessage): RenderedContent => {
  const story = message.reply_to?.story;
  const link = ofKind(message, 'fallback');
  return {
    contentType: contentTypeOf(message),
    text: textOf(message),
    media: [...(story?.url ? [{ url: story.url, kind: 'story' }] : []), ...(message.attachments ?? []).flatMap(mediaOf)],
    details: detailsOf({
      story,
      quickReplyPayload: message.quick_reply?.payload,
      location: coordinatesOf(message),
      template: ofKind(message, 'template')?.payload ?? undefined,
      link: link && detailsOf({ title: link.payload?.title ?? link.title, url: urlOf(link) }),
      stickerId: message.sticker_id,
      referral: message.referral,
      // On echoes: which app sent it, and the metadata it attached, so a sender can skip its own.
      appId: message.app_id,
      metadata: message.metadata,
    }),
  };
};
