import type { MediaItem } from '../../core/message.ts';
import { detailsOf, locationText, type RenderedContent } from './content.ts';
import type { WhatsappContent } from './whatsapp-schema.ts';

type Media = NonNullable<WhatsappContent['image']>;

// WhatsApp sends a media id, never a URL: GET /{media-id} with the business token yields a
// download URL that lives five minutes, so the id is what we keep.
const mediaItem = (kind: string, media: Media): MediaItem => ({
  providerMediaId: media.id,
  contentType: media.mime_type,
  kind,
  caption: media.caption,
  filename: media.filename,
});

const renderMedia = (kind: string, media: Media | undefined): RenderedContent | undefined =>
  media && { contentType: kind, text: media.caption ?? '', media: [mediaItem(kind, media)] };

/** A Flow's answers arrive as a JSON string; kept as sent when it is not JSON. */
const flowResponse = (responseJson: string | undefined): unknown => {
  if (responseJson === undefined) return undefined;
  try {
    return JSON.parse(responseJson);
  } catch {
    return responseJson;
  }
};

const renderInteractive = (interactive: WhatsappContent['interactive']): RenderedContent | undefined => {
  const choice = interactive?.button_reply ?? interactive?.list_reply;
  if (interactive && choice) {
    return { contentType: 'interactive', text: choice.title, media: [], details: { reply: { type: interactive.type, ...choice } } };
  }
  const form = interactive?.nfm_reply;
  if (interactive && form) {
    const reply = detailsOf({ type: interactive.type, name: form.name, response: flowResponse(form.response_json) });
    return { contentType: 'interactive', text: form.body ?? '', media: [], details: { reply } };
  }
  return undefined;
};

const contactName = (contact: NonNullable<WhatsappContent['contacts']>[number]): string =>
  contact.name?.formatted_name ?? contact.phones?.[0]?.phone ?? 'Contact';

const renderers: Readonly<Record<string, (content: WhatsappContent) => RenderedContent | undefined>> = {
  text: ({ text }) => text && { contentType: 'text', text: text.body, media: [] },
  image: ({ image }) => renderMedia('image', image),
  video: ({ video }) => renderMedia('video', video),
  audio: ({ audio }) => renderMedia('audio', audio),
  document: ({ document }) => renderMedia('document', document),
  sticker: ({ sticker }) => renderMedia('sticker', sticker),
  location: ({ location }) =>
    location && {
      contentType: 'location',
      text: locationText(location.latitude, location.longitude, [location.name, location.address].filter(Boolean).join(', ')),
      media: [],
      details: detailsOf({ ...location }),
    },
  contacts: ({ contacts }) =>
    contacts && { contentType: 'contacts', text: `👤 ${contacts.map(contactName).join(', ')}`, media: [], details: { contacts } },
  interactive: ({ interactive }) => renderInteractive(interactive),
  button: ({ button }) => button && { contentType: 'button', text: button.text, media: [], details: detailsOf({ payload: button.payload }) },
  order: ({ order }) =>
    order && {
      contentType: 'order',
      text: order.text ?? `🛒 Order of ${order.product_items?.length ?? 0} item(s)`,
      media: [],
      details: { order },
    },
};

/**
 * What a WhatsApp message says, by its type. A type we cannot render (Meta's own `unsupported`,
 * or one added after this code) is kept as an `unsupported` message with what Meta said about it.
 */
export const renderWhatsappContent = (content: WhatsappContent): RenderedContent => {
  const type = content.type ?? 'unsupported';
  const rendered = Object.hasOwn(renderers, type) ? renderers[type]?.(content) : undefined;
  return rendered ?? { contentType: 'unsupported', text: '', media: [], details: detailsOf({ type, errors: content.errors }) };
};
