/** Twilio requests for tests: the same builders `switchboard send` uses. */
export { inboundSmsFields, signedTwilioRequest, twilioSid } from '../../functions/providers/twilio/sample.ts';

export const accountSid = 'AC0123456789abcdef0123456789abcdef';
