/** A registered webhook URL: which provider calls it, for which tenant, with which credentials. */
export interface Endpoint {
  readonly endpointId: string;
  /** A name from the provider registry (functions/providers/registry.ts). */
  readonly provider: string;
  readonly tenantId: string;
  /**
   * Signing secrets, newest first. Two may be valid at once so a provider's secret can be
   * rotated without refusing traffic signed with the old one.
   */
  readonly secrets: readonly string[];
  readonly createdAt: string;
}
