/**
 * For each provider, a credential of the shape its endpoints hold and another valid one that
 * is not theirs: what `switchboard endpoint add --secret` takes, and what its samples sign with.
 */
export const providerCredentials: Readonly<Record<string, { readonly secret: string; readonly otherSecret: string }>> = {
  twilio: { secret: 'twilio-auth-token', otherSecret: 'someone-elses-token' },
  meta: { secret: 'meta-app-secret', otherSecret: 'another-apps-secret' },
  sendgrid: { secret: 'parse-user:parse-password', otherSecret: 'someone:else' },
  mailgun: { secret: 'key-mailgun-signing-key', otherSecret: 'key-another-signing-key' },
  sms: { secret: 'gateway-bearer-token', otherSecret: 'another-gateway-token' },
  standard: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', otherSecret: 'whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkh' },
};
