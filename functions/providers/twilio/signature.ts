import { createHmac } from 'node:crypto';
import { parse as parseQuerystring, stringify as stringifyQuerystring } from 'node:querystring';

type Param = readonly [name: string, value: string];

const byNameThenValue = (a: Param, b: Param): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/**
 * What Twilio appends to the URL before signing: each parameter's name and decoded value,
 * sorted by name then value, a repeated identical pair once (twilio-node's
 * `toFormUrlEncodedParam`). It depends on neither the URL nor the token, so it is built once
 * per request however many of them are tried.
 */
export const signedParams = (params: Iterable<Param>): string => {
  const sorted = Array.from(params).sort(byNameThenValue);
  let signed = '';
  let previous: Param | undefined;
  for (const param of sorted) {
    if (previous === undefined || param[0] !== previous[0] || param[1] !== previous[1]) signed += param[0] + param[1];
    previous = param;
  }
  return signed;
};

/** base64(HMAC-SHA1(auth token, url + signed params)). */
export const signatureOf = (authToken: string, url: string, params: string): string =>
  createHmac('sha1', authToken).update(url + params, 'utf8').digest('base64');

/**
 * Twilio's request signature (https://www.twilio.com/docs/usage/webhooks/webhooks-security)
 * for a URL and its form parameters; none for a GET or a JSON webhook.
 */
export const twilioSignature = (authToken: string, url: string, params: Iterable<Param> = []): string =>
  signatureOf(authToken, url, signedParams(params));

const defaultPorts: ReadonlyMap<string, string> = new Map([
  ['https:', '443'],
  ['http:', '80'],
]);

/** A URL cut where its port goes: `https://user@host` | `:8443` (or empty) | `/path?query`. */
interface PortSplit {
  readonly beforePort: string;
  readonly port: string;
  readonly afterPort: string;
  readonly defaultPort: string;
}

const splitAtPort = (url: string): PortSplit | undefined => {
  const schemeEnd = url.indexOf('://');
  const defaultPort = schemeEnd === -1 ? undefined : defaultPorts.get(url.slice(0, schemeEnd + 1).toLowerCase());
  if (defaultPort === undefined) return undefined;
  const authorityStart = schemeEnd + 3;
  let authorityEnd = url.length;
  for (const delimiter of ['/', '?', '#']) {
    const at = url.indexOf(delimiter, authorityStart);
    if (at !== -1 && at < authorityEnd) authorityEnd = at;
  }
  const hostStart = url.lastIndexOf('@', authorityEnd - 1) + 1 || authorityStart;
  const colon = url.lastIndexOf(':', authorityEnd - 1);
  // A colon inside an IPv6 literal's brackets is not a port separator.
  const hasPort = colon >= hostStart && colon > url.lastIndexOf(']', authorityEnd - 1);
  if (hasPort && !/^\d+$/.test(url.slice(colon + 1, authorityEnd))) return undefined;
  const portStart = hasPort ? colon : authorityEnd;
  return { beforePort: url.slice(0, portStart), port: url.slice(portStart, authorityEnd), afterPort: url.slice(authorityEnd), defaultPort };
};

/**
 * The URL as received, then with its port toggled: added (the scheme's default) when it has
 * none, removed when it has one. These are twilio-node's `addPort` and `removePort`, since
 * Twilio includes the default port in what it signs or not. They cost no parsing and the
 * URL as received is tried first, so Twilio's own requests pay for one signature, not more.
 */
export const portForms = (url: string): string[] => {
  const split = splitAtPort(url);
  if (!split) return [url];
  const { beforePort, port, afterPort, defaultPort } = split;
  return [url, port === '' ? `${beforePort}:${defaultPort}${afterPort}` : beforePort + afterPort];
};

/** The URL as the WHATWG parser serializes it (escaping `'` in a query, for one), which twilio-node signs with. */
const whatwgForm = (url: string): string | undefined => {
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
};

/**
 * The URL with its query decoded and re-encoded by node:querystring, twilio-node's "legacy
 * querystring" form: it undoes a re-encoding between Twilio and us (`'` as `%27`, a space as
 * `+`). `maxKeys: 0` lifts the 1,000-pair cap, past which an appended parameter would be
 * dropped and so pass unsigned.
 */
const legacyQueryForm = (url: string): string | undefined => {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return undefined;
  try {
    return url.slice(0, queryStart + 1) + stringifyQuerystring(parseQuerystring(url.slice(queryStart + 1), '&', '=', { maxKeys: 0 }));
  } catch {
    return undefined;
  }
};

/**
 * The other URLs twilio-node's `validateRequest` tries, none of them a port form: the WHATWG
 * form and the legacy querystring form, each without and with the port. Built only when
 * the port forms do not match, so forged requests pay for them, not Twilio's.
 */
export const reencodedForms = (url: string): string[] => {
  const received = portForms(url);
  const whatwg = whatwgForm(url);
  const normalized = whatwg === undefined ? [] : portForms(whatwg);
  const forms = new Set<string>();
  for (const form of [...normalized, ...[...received, ...normalized].map(legacyQueryForm)]) {
    if (form !== undefined && !received.includes(form)) forms.add(form);
  }
  return [...forms];
};
