/** How far a signed timestamp may be from now, either way: the Standard Webhooks libraries' tolerance. */
export const toleranceSeconds = 5 * 60;

/**
 * Why a signed unix-seconds timestamp cannot be trusted at `now`, or undefined when it can.
 * A signature over a timestamp only stops replays if old timestamps are refused; a timestamp
 * far in the future would let a captured request be replayed later.
 */
export const timestampRefusal = (header: string, now: Date, headerName: string): string | undefined => {
  if (!/^\d{1,12}$/.test(header)) return `${headerName} is not a unix time in seconds`;
  const ageSeconds = Math.floor(now.getTime() / 1000) - Number(header);
  if (ageSeconds > toleranceSeconds) return `${headerName} is ${ageSeconds} s old, beyond the ${toleranceSeconds} s tolerance`;
  if (-ageSeconds > toleranceSeconds) return `${headerName} is ${-ageSeconds} s in the future, beyond the ${toleranceSeconds} s tolerance`;
  return undefined;
};
