/**
 * What becomes of a mail sent to an address, for the email stand-ins: delivered (and opened),
 * unless the address is one of the simulator's, after Amazon SES's mailbox simulator
 * (https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator):
 * a local part `bounce` bounces (550 5.1.1), `suppressed` is on the account's suppression list
 * (unsubscribed), so the provider drops it without sending. Any domain works, so a test's
 * customer can be `bounce@example.net`.
 */
/** A mail an email stand-in took, as a test reads it: what both providers' APIs carry alike. */
export interface RecordedMail {
  /** The id the provider answered, without angle brackets (as its events name it). */
  readonly messageId: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  /** The headers it was asked to add (In-Reply-To, References), by name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text?: string;
  readonly html?: string;
  /** Each file with its content base64. */
  readonly attachments: readonly { readonly filename: string; readonly type?: string; readonly content: string }[];
  readonly createdAt: Date;
}

export type SimulatedOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'bounce'; readonly enhancedStatus: string; readonly reply: string }
  | { readonly kind: 'suppressed'; readonly sendgridReason: string; readonly mailgunReason: string };

export const simulatedOutcomeOf = (address: string): SimulatedOutcome => {
  const localPart = address.slice(0, address.lastIndexOf('@')).toLowerCase();
  if (localPart === 'bounce') {
    return { kind: 'bounce', enhancedStatus: '5.1.1', reply: "550 5.1.1 The email account that you tried to reach does not exist." };
  }
  // SendGrid's dropped reason (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event), Mailgun's failed reason.
  if (localPart === 'suppressed') return { kind: 'suppressed', sendgridReason: 'Unsubscribed Address', mailgunReason: 'suppress-unsubscribe' };
  return { kind: 'delivered' };
};
