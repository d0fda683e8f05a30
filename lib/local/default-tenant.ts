/**
 * The tenant `npm start`'s inbox link and token are for unless `--tenant` names another: the one
 * the README's walk-through registers its endpoint for, so that the link shows what it sends.
 */
export const defaultLocalTenant = 'acme';
