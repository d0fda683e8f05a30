import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { localStackNotRunning } from '../local/state-file.ts';
import { isConnectionRefused } from './connection-refused.ts';
import { print } from './output.ts';
import { UsageError } from './usage-error.ts';

/** What a command's options parse to, typed from their declaration. */
export type Flags<Options extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: Options; allowPositionals: true }>>['values'];

/** Every command takes --help. */
const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

/** The option that sends a command to a deployed stack; its usage line closes the usage of every command that takes it. */
export const stackOption = { stack: { type: 'string' } } as const;
export const stackUsage = '  --stack <name>   talk to a deployed stack (its CloudFormation outputs) instead of npm start';

export interface CommandSpec<Options extends ParseArgsOptionsConfig> {
  /** The words that call it, e.g. `endpoint add`. */
  readonly name: string;
  /** What follows the name in its usage, a line each; the lines after the first are aligned under the first. */
  readonly synopsis: readonly string[];
  /** What it does, a line each. */
  readonly summary: readonly string[];
  /** Its options, and only its: a flag of another command is an unknown option here. */
  readonly options: Options;
  /** Its operands, in order, as its usage names them; each is required. */
  readonly operands?: readonly string[];
  /** The options it cannot run without, each with why. */
  readonly required?: { readonly [Name in keyof Options]?: string };
  /**
   * Runs it with parsed flags and operands; resolves with the exit code (0 when nothing).
   * `wrong` makes the UsageError of a mistake in the call that only it can see.
   */
  run(flags: Flags<Options>, operands: readonly string[], wrong: (message: string) => UsageError): Promise<number | void>;
}

export interface Command {
  readonly name: string;
  /** Its lines in the usage of `switchboard`. */
  readonly listing: readonly string[];
  /** Its own usage, printed for --help and after a wrong usage. */
  readonly usage: readonly string[];
  /** Parses what follows its name and runs it; resolves with the exit code. Wrong usage throws a UsageError carrying the usage. */
  run(args: readonly string[]): Promise<number>;
}

/** Summaries start in this column of the usage of `switchboard`, beside a synopsis short enough. */
const summaryColumn = 34;

/** The synopsis with its continuation lines aligned under its first, after `prefix`. */
const synopsisLines = (prefix: string, synopsis: readonly string[]): string[] => {
  const [first = '', ...rest] = synopsis;
  return [`${prefix}${first}`.trimEnd(), ...rest.map((line) => `${' '.repeat(prefix.length)}${line}`)];
};

/** A command's lines in the usage of `switchboard`: its synopsis, and its summary beside it when there is room, else below. */
const listingOf = (name: string, synopsis: readonly string[], summary: readonly string[]): string[] => {
  const lines = synopsisLines(`  ${name} `, synopsis);
  const last = lines.at(-1) ?? '';
  const indent = ' '.repeat(summaryColumn);
  if (last.length < summaryColumn - 1 && summary.length > 0) {
    const [first = '', ...rest] = summary;
    return [...lines.slice(0, -1), `${last.padEnd(summaryColumn)}${first}`, ...rest.map((line) => `${indent}${line}`)];
  }
  return [...lines, ...summary.map((line) => `${indent}${line}`)];
};

/**
 * Why node's parser refused these arguments, in one line: it throws on the first problem with
 * a message written for programmers, so the arguments are read again, leniently, to name it.
 */
const parseProblem = (args: readonly string[], options: ParseArgsOptionsConfig): string => {
  const { tokens } = parseArgs({ args: [...args], options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const declared = options[token.name];
    if (!declared) return `unknown option ${token.rawName}`;
    if (declared.type === 'boolean' && token.value !== undefined) return `${token.rawName} takes no value`;
    if (declared.type === 'string' && token.value === undefined) return `${token.rawName} needs a value`;
    if (declared.type === 'string' && !token.inlineValue && token.value?.startsWith('-')) {
      return `${token.rawName} needs a value (for one that starts with "-", write ${token.rawName}=${token.value})`;
    }
  }
  return 'these options cannot be parsed';
};

const isMissing = (value: unknown): boolean => value === undefined || (Array.isArray(value) && value.length === 0);

/** A command of the CLI from its declaration: its usage, its parsing, and the checks every command needs. */
export const defineCommand = <const Options extends ParseArgsOptionsConfig>(spec: CommandSpec<Options>): Command => {
  const options = { ...spec.options, ...helpOption };
  const operands = spec.operands ?? [];
  const usage = [
    ...synopsisLines(`usage: switchboard ${spec.name} `, spec.synopsis),
    ...spec.summary.map((line) => `  ${line}`),
    ...('stack' in spec.options ? ['', stackUsage] : []),
  ];
  const wrong = (message: string) => new UsageError(message, { usage });
  return {
    name: spec.name,
    listing: listingOf(spec.name, spec.synopsis, spec.summary),
    usage,
    async run(args) {
      let parsed;
      try {
        parsed = parseArgs({ args: [...args], options, allowPositionals: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS_')) throw wrong(parseProblem(args, options));
        throw error;
      }
      const { positionals } = parsed;
      // What the parser found, by name; the command gets it typed from its options.
      const values: Record<string, unknown> = parsed.values;
      if (values.help) {
        print(usage);
        return 0;
      }
      const missing = operands[positionals.length];
      if (missing !== undefined) throw wrong(`${spec.name} needs ${missing}`);
      const extra = positionals[operands.length];
      if (extra !== undefined) throw wrong(`unexpected argument "${extra}"`);
      for (const [name, why] of Object.entries(spec.required ?? {})) {
        if (isMissing(values[name])) throw wrong(`--${name} is required${why ? `: ${why}` : ''}`);
      }
      try {
        return (await spec.run(values as Flags<Options>, positionals, wrong)) ?? 0;
      } catch (error) {
        // A stack killed outright whose pid was taken again passes the state file's check: its ports tell.
        if ('stack' in spec.options && values.stack === undefined && isConnectionRefused(error)) throw new Error(localStackNotRunning, { cause: error });
        throw error;
      }
    },
  };
};
