import { terminalSafe } from './terminal-text.ts';

/**
 * Rows under column headers, each column as wide as its widest cell and two spaces apart, so
 * that a listing reads like `docker ps`. The last column is left unpadded: it is the free text
 * (a reason) that may run long. Cells are measured as the terminal will show them, their
 * control characters escaped.
 */
export const formatTable = (headers: readonly string[], rows: readonly (readonly string[])[]): string[] => {
  const shown = rows.map((row) => row.map(terminalSafe));
  const widths = headers.map((header, column) => Math.max(header.length, ...shown.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return [headers, ...shown].map(line);
};
