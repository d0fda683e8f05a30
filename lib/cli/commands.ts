/**
 * The commands of `switchboard`, each with its own options and usage. A command loads what it
 * needs when it runs (its module, the AWS clients of its target), so that a call loads only
 * the command called: the CLI's start-up time is mostly module loading.
 */
import { randomUUID } from 'node:crypto';
import { defineCommand, stackOption, stackUsage, type Command, type Flags } from './command.ts';
import type { CredentialFlag } from './credentials.ts';
import { print, printJson, show } from './output.ts';
import { UsageError } from './usage-error.ts';

const target = async (stack: string | undefined) => (await import('./target.ts')).resolveTarget(stack);
const queueTarget = async (stack: string | undefined) => (await import('./target.ts')).resolveQueueTarget(stack);
const sendingTarget = async (stack: string | undefined) => (await import('./target.ts')).resolveSendingTarget(stack);

const jsonOption = { json: { type: 'boolean', default: false } } as const;

const secretChange = (action: 'add' | 'remove', summary: readonly string[]) =>
  defineCommand({
    name: `endpoint secret ${action}`,
    synopsis: ['<endpointId> --secret <s>'],
    summary,
    options: { secret: { type: 'string', multiple: true, default: [] }, ...stackOption },
    operands: ['<endpointId>'],
    required: { secret: `the secret to ${action}` },
    async run(flags, [endpointId], wrong) {
      const [secret, ...others] = flags.secret;
      if (others.length > 0) throw wrong(`endpoint secret ${action} takes one --secret`);
      const { changeSecret } = await import('./endpoint.ts');
      printJson(await changeSecret(await target(flags.stack), action, endpointId, secret));
    },
  });

const credentialOptions = {
  'twilio-account-sid': { type: 'string' },
  'twilio-auth-token': { type: 'string' },
  'twilio-api-key-sid': { type: 'string' },
  'twilio-api-key-secret': { type: 'string' },
  'meta-access-token': { type: 'string' },
  'sendgrid-api-key': { type: 'string' },
  'mailgun-api-key': { type: 'string' },
  'mailgun-domain': { type: 'string' },
  'sms-username': { type: 'string' },
  'sms-password': { type: 'string' },
  'sms-api-url': { type: 'string' },
  'sms-webhook-url': { type: 'string' },
  'sms-signing-secret': { type: 'string' },
} as const satisfies Record<CredentialFlag, { type: 'string' }>;

/** What `reply` and `send-message` send, as whom, and how. */
const messageOptions = {
  tenant: { type: 'string' },
  text: { type: 'string' },
  template: { type: 'string' },
  language: { type: 'string' },
  param: { type: 'string', multiple: true, default: [] as string[] },
  file: { type: 'string', multiple: true, default: [] as string[] },
  wait: { type: 'string' },
  'idempotency-key': { type: 'string' },
  ...stackOption,
} as const;

const messageSynopsis = ['(--text <t> | --template <name> --language <code> [--param <v>]...)', '[--file <path>]... [--wait <s>] [--idempotency-key <k>]'];

/**
 * Posts a message through the stack's HTTP API as the tenant and prints the answer; a refusal
 * also prints its reason on stderr and exits 1. A reply names its conversation; a first
 * message its endpoint, channel and addresses in `addressing`.
 */
const postMessageCommand = async (
  flags: Flags<typeof messageOptions>,
  destination: { conversationId: string } | { addressing: Readonly<Record<string, string>> },
): Promise<number> => {
  const { contentOf, firstMessagePath, outcomeOf, postMessage, replyPath, waitSecondsOf } = await import('./reply.ts');
  const content = contentOf({ text: flags.text, template: flags.template, language: flags.language, params: flags.param, withFiles: flags.file.length > 0 });
  const waitSeconds = waitSecondsOf(flags.wait);
  const stack = await target(flags.stack);
  // Each file is uploaded first (POST /media, then a PUT), and sent by its mediaId.
  const { uploadFile } = await import('./upload.ts');
  const mediaIds = await Promise.all(flags.file.map((file) => uploadFile(stack, flags.tenant ?? '', file)));
  const withMedia = mediaIds.length > 0 ? { ...content, media: mediaIds.map((mediaId) => ({ mediaId })) } : content;
  const [path, body] = 'conversationId' in destination ? [replyPath(destination.conversationId), withMedia] : [firstMessagePath, { ...destination.addressing, ...withMedia }];
  const idempotencyKey = flags['idempotency-key'] ?? randomUUID();
  // Told before the request goes: should its answer never come, a retry with the same key cannot send it twice.
  if (flags['idempotency-key'] === undefined) print([`Idempotency-Key: ${idempotencyKey} (to retry this request, add --idempotency-key ${idempotencyKey})`], console.error);
  const request = { path, body, idempotencyKey, ...(waitSeconds !== undefined && { waitSeconds }) };
  const outcome = outcomeOf(await postMessage(stack, flags.tenant ?? '', request));
  print(outcome.stdout);
  if (outcome.error !== undefined) print([`switchboard: ${outcome.error}`], console.error);
  return outcome.code;
};

export const commands: readonly Command[] = [
  defineCommand({
    name: 'endpoint add',
    synopsis: ['--provider <p> --tenant <t> --secret <s> [--secret <s>]', '[--verify-token <v>] [--route <account id>=<tenant>]...'],
    summary: ['register a webhook endpoint; prints its id and URL', '(meta needs --verify-token; --route shares one', 'provider app between tenants)'],
    options: {
      provider: { type: 'string' },
      tenant: { type: 'string' },
      secret: { type: 'string', multiple: true, default: [] },
      'verify-token': { type: 'string' },
      route: { type: 'string', multiple: true, default: [] },
      ...stackOption,
    },
    required: {
      provider: 'the provider that sends the webhooks',
      tenant: 'the tenant whose messages the endpoint receives',
      secret: 'the credential the provider signs its webhooks with (repeat it to accept two during a rotation)',
    },
    async run(flags) {
      const { addEndpoint } = await import('./endpoint.ts');
      printJson(
        await addEndpoint(await target(flags.stack), {
          provider: flags.provider,
          tenant: flags.tenant,
          secrets: flags.secret,
          ...(flags['verify-token'] !== undefined && { verifyToken: flags['verify-token'] }),
          routes: flags.route,
        }),
      );
    },
  }),
  secretChange('add', ['accept a new secret beside the old one: add it,', 'switch the provider over, then remove the old one']),
  secretChange('remove', ['stop accepting a secret, once the provider signs', 'with the new one']),
  defineCommand({
    name: 'endpoint credentials',
    synopsis: [
      '<endpointId> (--twilio-account-sid <AC…> (--twilio-auth-token <t>',
      '| --twilio-api-key-sid <SK…> --twilio-api-key-secret <s>)',
      '| --meta-access-token <t> | --sendgrid-api-key <SG.…>',
      '| --mailgun-api-key <k> --mailgun-domain <d>',
      '| --sms-username <u> --sms-password <p> [--sms-api-url <url>]',
      '| --sms-webhook-url <url> --sms-signing-secret <whsec_…>)',
      '[--from <address>] [--rate <per second>]',
      '<endpointId> --remove',
    ],
    summary: [
      'set what an endpoint sends with: sealed, never printed;',
      'secrets may come from SWITCHBOARD_TWILIO_AUTH_TOKEN,',
      'SWITCHBOARD_TWILIO_API_KEY_SECRET, SWITCHBOARD_META_ACCESS_TOKEN,',
      'SWITCHBOARD_SENDGRID_API_KEY, SWITCHBOARD_MAILGUN_API_KEY,',
      'SWITCHBOARD_SMS_PASSWORD or SWITCHBOARD_SMS_SIGNING_SECRET',
      "instead (out of the shell's history); --from: the default",
      'sender; --rate: messages (SMS: segments) per second;',
      '--remove: send nothing through it any more',
    ],
    options: { ...credentialOptions, from: { type: 'string' }, rate: { type: 'string' }, remove: { type: 'boolean', default: false }, ...stackOption },
    operands: ['<endpointId>'],
    async run(flags, [endpointId = '']) {
      const { credentialFlags, removeCredentials, setCredentials } = await import('./credentials.ts');
      const credentials = Object.fromEntries(credentialFlags.map((flag) => [flag, flags[flag]]));
      if (flags.remove) {
        if (Object.values(credentials).some((value) => value !== undefined) || flags.from !== undefined || flags.rate !== undefined) {
          throw new UsageError('--remove takes no credentials, --from or --rate');
        }
        printJson(await removeCredentials(await target(flags.stack), endpointId));
        return;
      }
      printJson(
        await setCredentials(await target(flags.stack), endpointId, {
          credentials,
          env: process.env,
          ...(flags.from !== undefined && { from: flags.from }),
          ...(flags.rate !== undefined && { rate: flags.rate }),
        }),
      );
    },
  }),
  defineCommand({
    name: 'endpoint list',
    synopsis: [],
    summary: ['list endpoints'],
    options: { ...stackOption },
    async run(flags) {
      const { listEndpoints } = await import('./endpoint.ts');
      printJson(await listEndpoints(await target(flags.stack)));
    },
  }),
  defineCommand({
    name: 'endpoint remove',
    synopsis: ['<endpointId>'],
    summary: ['remove an endpoint'],
    options: { ...stackOption },
    operands: ['<endpointId>'],
    async run(flags, [endpointId]) {
      const { removeEndpoint } = await import('./endpoint.ts');
      printJson(await removeEndpoint(await target(flags.stack), endpointId));
    },
  }),
  defineCommand({
    name: 'send',
    synopsis: ['<endpointId> [--text <t>] [--from <a>] [--to <a>] [--event <file>] [--curl]'],
    summary: [
      'post a signed sample message to an endpoint, as',
      'its provider would, or with --event a file of',
      'events/<provider>/ signed afresh for it',
      '(--curl prints the command)',
    ],
    options: {
      text: { type: 'string', default: 'Hello from Switchboard' },
      from: { type: 'string' },
      to: { type: 'string' },
      event: { type: 'string' },
      curl: { type: 'boolean', default: false },
      ...stackOption,
    },
    operands: ['<endpointId>'],
    async run(flags, [endpointId]) {
      const { send } = await import('./send.ts');
      const { text, from, to, event, curl } = flags;
      print(await send(await target(flags.stack), endpointId, { text, curl, ...(from !== undefined && { from }), ...(to !== undefined && { to }), ...(event !== undefined && { event }) }));
    },
  }),
  defineCommand({
    name: 'token',
    synopsis: ['--tenant <t> [--ttl 1h] [--admin]'],
    summary: [
      'print a JWT for the WebSocket (and query API);',
      "at most the stack's token lifetime (24h by default);",
      "--admin: it also reads every tenant's figures",
      '(GET /stats, GET /webhooks/recent)',
    ],
    options: { tenant: { type: 'string' }, ttl: { type: 'string', default: '1h' }, admin: { type: 'boolean', default: false }, ...stackOption },
    required: { tenant: 'a token grants one tenant' },
    async run(flags) {
      const { issueToken, parseDuration } = await import('../../functions/core/tokens.ts');
      let ttl: number;
      try {
        ttl = parseDuration(flags.ttl);
      } catch (error) {
        throw new UsageError(`--ttl: ${(error as Error).message}`);
      }
      const stack = await target(flags.stack);
      if (ttl > stack.tokenMaxLifetimeSeconds) {
        throw new UsageError(`--ttl ${flags.ttl} is longer than this stack accepts: at most ${stack.tokenMaxLifetimeSeconds} s (its tokenMaxLifetimeSeconds)`);
      }
      print([await issueToken(flags.tenant ?? '', await stack.jwtSecret(), ttl, stack.tokenMaxLifetimeSeconds, { admin: flags.admin })]);
    },
  }),
  defineCommand({
    name: 'reply',
    synopsis: ['<conversationId> --tenant <t>', ...messageSynopsis],
    summary: [
      "answer a conversation through the stack's HTTP API,",
      'as the tenant; prints the answer (--wait: until sent',
      'or failed, at most 10 s), and the Idempotency-Key to',
      'retry with unless given; a refusal exits 1',
    ],
    options: messageOptions,
    operands: ['<conversationId>'],
    required: { tenant: 'a reply is sent as one tenant' },
    run: (flags, [conversationId = '']) => postMessageCommand(flags, { conversationId }),
  }),
  defineCommand({
    name: 'send-message',
    synopsis: ['--tenant <t> --endpoint <id> --channel <c> --to <a> [--from <a>]', ...messageSynopsis],
    summary: ['start a conversation: a first message through an', 'endpoint with send credentials, like reply'],
    options: { endpoint: { type: 'string' }, channel: { type: 'string' }, to: { type: 'string' }, from: { type: 'string' }, ...messageOptions },
    required: {
      tenant: 'a message is sent as one tenant',
      endpoint: 'the endpoint whose send credentials it goes out with',
      channel: 'sms, mms, whatsapp, messenger or instagram',
      to: "the customer's address",
    },
    run: (flags) =>
      postMessageCommand(flags, {
        addressing: { endpointId: flags.endpoint ?? '', channel: flags.channel ?? '', to: flags.to ?? '', ...(flags.from !== undefined && { from: flags.from }) },
      }),
  }),
  defineCommand({
    name: 'tail',
    synopsis: ['--tenant <t> [--conversation <id>] [--json]'],
    summary: ["print a tenant's live events (or one conversation's)"],
    options: { tenant: { type: 'string' }, conversation: { type: 'string' }, ...jsonOption, ...stackOption },
    required: { tenant: 'a tail follows one tenant' },
    async run(flags) {
      const { tail } = await import('./tail.ts');
      const code = await tail(await target(flags.stack), flags.tenant ?? '', {
        json: flags.json,
        print: (line) => print([line]),
        ...(flags.conversation !== undefined && { conversationId: flags.conversation }),
      });
      return code === 1000 ? 0 : 1;
    },
  }),
  defineCommand({
    name: 'quarantine list',
    synopsis: ['[--tenant <t>] [--json]'],
    summary: ['requests the processor could never process,', 'newest first, with why (never their content)'],
    options: { tenant: { type: 'string' }, ...jsonOption, ...stackOption },
    async run(flags) {
      const { formatQuarantined, listQuarantined } = await import('./quarantine.ts');
      show(await listQuarantined(await queueTarget(flags.stack), { ...(flags.tenant && { tenant: flags.tenant }) }), formatQuarantined, flags.json);
    },
  }),
  defineCommand({
    name: 'quarantine replay',
    synopsis: ['<id> [--json]'],
    summary: ['queue a quarantined request again, after a fix'],
    options: { ...jsonOption, ...stackOption },
    operands: ['<id>'],
    async run(flags, [id]) {
      const { describeReplay, replayQuarantined } = await import('./quarantine.ts');
      show(await replayQuarantined(await queueTarget(flags.stack), id), describeReplay, flags.json);
    },
  }),
  defineCommand({
    name: 'dlq list',
    synopsis: ['[--json]'],
    summary: ['what is in the DLQ and why, without consuming it'],
    options: { ...jsonOption, ...stackOption },
    async run(flags) {
      const { formatDeadLetters, listDeadLetters } = await import('./dlq.ts');
      show(await listDeadLetters(await queueTarget(flags.stack)), formatDeadLetters, flags.json);
    },
  }),
  defineCommand({
    name: 'dlq redrive',
    synopsis: ['[--json]'],
    summary: ['move everything in the DLQ back to the ingest queue'],
    options: { ...jsonOption, ...stackOption },
    async run(flags) {
      const { describeRedrive, redrive } = await import('./dlq.ts');
      show(await redrive(await queueTarget(flags.stack)), describeRedrive, flags.json);
    },
  }),
  defineCommand({
    name: 'stats',
    synopsis: ['[--provider <p>] [--hours <n>] [--tenant <t>]', '[--token <jwt>] [--json]'],
    summary: [
      'webhooks per endpoint in the last --hours (24; at',
      'most 168): received, acked, refused and why,',
      'processed, quarantined, failed, sent, and lag;',
      "every tenant's unless --tenant; --token: a token of",
      "a stack whose tokens come from an OIDC issuer (then",
      "its tenant's only)",
    ],
    options: { provider: { type: 'string' }, hours: { type: 'string' }, tenant: { type: 'string' }, token: { type: 'string' }, ...jsonOption, ...stackOption },
    async run(flags, _operands, wrong) {
      const { formatStats, readStats } = await import('./stats.ts');
      const { provider, hours, tenant, token } = flags;
      show(await readStats(await target(flags.stack), { provider, hours, tenant }, { token, wrong }), formatStats, flags.json);
    },
  }),
  defineCommand({
    name: 'recent',
    synopsis: ['[--endpoint <id>] [--outcome <o>] [--limit <n>] [--tenant <t>]', '[--token <jwt>] [--json]'],
    summary: [
      'the latest webhook attempts, newest first (the last',
      '24 hours; --limit: 50, at most 200): outcome, why,',
      'status, size and latency, never content; --outcome:',
      'acked, refused, stored, quarantined or failed',
    ],
    options: { endpoint: { type: 'string' }, outcome: { type: 'string' }, limit: { type: 'string' }, tenant: { type: 'string' }, token: { type: 'string' }, ...jsonOption, ...stackOption },
    async run(flags, _operands, wrong) {
      const { formatRecent, readRecent } = await import('./stats.ts');
      const { endpoint, outcome, limit, tenant, token } = flags;
      show(await readRecent(await target(flags.stack), { endpoint, outcome, limit, tenant }, { token, wrong }), formatRecent, flags.json);
    },
  }),
  defineCommand({
    name: 'outbox list',
    synopsis: ['--tenant <t> [--status <s>] [--limit <n>] [--json]'],
    summary: ["a tenant's outbound messages, newest first, with", 'why each failed (never what they say); --status:', 'queued, sending, sent, delivered, read or failed'],
    options: { tenant: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' }, ...jsonOption, ...stackOption },
    required: { tenant: 'an outbox is one tenant\'s' },
    async run(flags) {
      const { formatOutbox, listOutbox, outboxFilters } = await import('./outbox.ts');
      const filters = outboxFilters(flags.status, flags.limit);
      show(await listOutbox(await sendingTarget(flags.stack), flags.tenant ?? '', filters), formatOutbox, flags.json);
    },
  }),
  defineCommand({
    name: 'outbox retry',
    synopsis: ['<messageId> --tenant <t> [--json]'],
    summary: ['send a failed message again, with a fresh 10 h', 'to be sent in (only a failed one)'],
    options: { tenant: { type: 'string' }, ...jsonOption, ...stackOption },
    operands: ['<messageId>'],
    required: { tenant: "the tenant whose message it is" },
    async run(flags, [messageId = '']) {
      const { describeRetry, retryOutbound } = await import('./outbox.ts');
      show(await retryOutbound(await sendingTarget(flags.stack), flags.tenant ?? '', messageId), describeRetry, flags.json);
    },
  }),
  defineCommand({
    name: 'archive search',
    synopsis: ['--from <time> --to <time> [--endpoint <id>] [--provider-id <id>]', '[--tenant <t>] [--json]'],
    summary: [
      'archived requests received from --from up to --to',
      '(ISO 8601 times, or dates: midnight UTC; 31 days',
      'at most), with the provider ids they carry, never',
      'their content',
    ],
    options: { from: { type: 'string' }, to: { type: 'string' }, endpoint: { type: 'string' }, 'provider-id': { type: 'string' }, tenant: { type: 'string' }, ...jsonOption, ...stackOption },
    required: { from: 'the archive is searched by when requests were received', to: 'the archive is searched by when requests were received' },
    async run(flags) {
      const [{ parseArchiveRange }, { formatSearch, resolveArchiveTarget, searchArchive }] = await Promise.all([import('./archive-range.ts'), import('./archive.ts')]);
      const range = parseArchiveRange(flags.from ?? '', flags.to ?? '');
      const filter = { range, endpointId: flags.endpoint, tenantId: flags.tenant, providerId: flags['provider-id'] };
      show(await searchArchive(await resolveArchiveTarget(flags.stack), filter), formatSearch, flags.json);
    },
  }),
  defineCommand({
    name: 'archive replay',
    synopsis: ['--from <time> --to <time> [--endpoint <id>] [--tenant <t>]', '[--dry-run] [--json]'],
    summary: [
      'queue archived requests again, each verified anew',
      "with its endpoint's current secrets; one that no",
      'longer verifies, or whose endpoint is gone or',
      "another tenant's, is listed, not sent (--dry-run:",
      'send nothing, list all)',
    ],
    options: { from: { type: 'string' }, to: { type: 'string' }, endpoint: { type: 'string' }, tenant: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, ...jsonOption, ...stackOption },
    required: { from: 'the archive is replayed by when requests were received', to: 'the archive is replayed by when requests were received' },
    async run(flags) {
      const [{ parseArchiveRange }, { describeReplay, replayArchive, resolveArchiveTarget }] = await Promise.all([import('./archive-range.ts'), import('./archive.ts')]);
      const range = parseArchiveRange(flags.from ?? '', flags.to ?? '');
      const filter = { range, endpointId: flags.endpoint, tenantId: flags.tenant };
      show(await replayArchive(await resolveArchiveTarget(flags.stack), filter, { dryRun: flags['dry-run'] }), describeReplay, flags.json);
    },
  }),
];

const wordsOf = (name: string) => name.split(' ');

/** The usage of the commands of a group (`endpoint`), or of all of them. */
const usageOf = (listed: readonly Command[], group?: string): string[] => [
  `usage: switchboard ${group === undefined ? '' : `${group} `}<command> [options] [--stack <name>]`,
  '',
  ...listed.flatMap((command) => command.listing),
  '',
  stackUsage,
];

/** `--stack <name>` may also come first (`switchboard --stack prod dlq list`): it moves after the command, where each command parses it. */
const stackLast = (args: readonly string[]): readonly string[] => {
  const [first, second] = args;
  if (first === '--stack' && second !== undefined && !second.startsWith('-')) return [...args.slice(2), first, second];
  if (first?.startsWith('--stack=')) return [...args.slice(1), first];
  return args;
};

export type Found = { readonly command: Command; readonly rest: readonly string[] } | { readonly wrong: string; readonly usage: readonly string[] };

/**
 * The command that `args` call, by the words they start with (the command comes first, its
 * options after), and the arguments that follow its name; or what is wrong, and the usage to
 * show: that of the group the words name (`endpoint`), else the whole usage.
 */
export const findCommand = (given: readonly string[]): Found => {
  const args = stackLast(given);
  const leading = args.findIndex((arg) => arg.startsWith('-'));
  const words = leading === -1 ? [...args] : args.slice(0, leading);
  const matches = (command: Command) => wordsOf(command.name).every((word, index) => words[index] === word);
  const command = commands.filter(matches).sort((a, b) => wordsOf(b.name).length - wordsOf(a.name).length)[0];
  if (command) return { command, rest: args.slice(wordsOf(command.name).length) };
  if (words.length === 0) return { wrong: args.length === 0 ? 'a command is needed' : `expected a command before ${args[0]}`, usage: usageOf(commands) };
  // The longest run of words that starts some commands: the group the caller meant.
  for (let length = words.length; length > 0; length--) {
    const group = words.slice(0, length).join(' ');
    const members = commands.filter((candidate) => candidate.name.startsWith(`${group} `));
    if (members.length === 0) continue;
    const next = [...new Set(members.map((member) => wordsOf(member.name)[length]))];
    const wrong = length === words.length ? `${group} needs one of: ${next.join(', ')}` : `unknown command "${words.slice(0, length + 1).join(' ')}"`;
    return { wrong, usage: usageOf(members, group) };
  }
  return { wrong: `unknown command "${words[0]}"`, usage: usageOf(commands) };
};
