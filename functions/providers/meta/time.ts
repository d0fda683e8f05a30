const isoOf = (milliseconds: number): string | undefined => {
  const date = new Date(milliseconds);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

/** WhatsApp's timestamps: strings of unix seconds. Anything else is left out rather than guessed. */
export const isoFromUnixSeconds = (seconds: string | undefined): string | undefined =>
  seconds !== undefined && /^\d{1,12}$/.test(seconds) ? isoOf(Number(seconds) * 1000) : undefined;

/** Messenger's and Instagram's timestamps and watermarks: numbers of milliseconds. */
export const isoFromMilliseconds = (milliseconds: number | undefined): string | undefined =>
  milliseconds === undefined ? undefined : isoOf(milliseconds);
