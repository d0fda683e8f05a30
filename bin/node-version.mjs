/**
 * Switchboard runs its TypeScript as is, which Node does from version 24 on: an older Node
 * fails on the first `.ts` import with ERR_UNKNOWN_FILE_EXTENSION, which says nothing of the
 * cause. Plain JavaScript, so that any Node can run it; the entries call it before they
 * import their TypeScript.
 */
export const minimumNodeMajor = 24;

/** Why this Node cannot run Switchboard, or undefined when it can. */
export const nodeVersionProblem = (version = process.versions.node) =>
  Number.parseInt(version, 10) >= minimumNodeMajor
    ? undefined
    : `Switchboard needs Node ${minimumNodeMajor} or later (this is Node ${version}); install it from https://nodejs.org or with a version manager (e.g. nvm install ${minimumNodeMajor}), then run the command again.`;

/** Ends the process with that one line when this Node cannot run Switchboard. */
export const requireSupportedNode = () => {
  const problem = nodeVersionProblem();
  if (problem === undefined) return;
  console.error(problem);
  process.exit(1);
};
