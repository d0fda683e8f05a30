import { terminalLines } from './terminal-text.ts';

/**
 * The CLI's one way to the terminal. What it prints is largely data from outside, so every line
 * goes out with its control characters escaped (terminal-text.ts): commands hand over lines,
 * never a text whose newlines could come from a field.
 */
export const print = (lines: readonly string[], log: (text: string) => void = console.log): void => log(terminalLines(lines));

// JSON.stringify never puts a newline inside a string: these lines are its indentation's.
export const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2).split('\n'));

/** Prints a result for people, or as JSON with --json. */
export const show = <Result>(result: Result, describe: (result: Result) => readonly string[], json: boolean): void =>
  json ? printJson(result) : print(describe(result));
