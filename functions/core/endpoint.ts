/** A registered webhook URL: which provider calls it, for which tenant, with which credentials. */
export interface Endpoint {
  readonly endpointId: string;
  /** The name a provider is registered under, as its webhook URLs carry it. */
  readonly provider: string;
  readonly tenantId: string;
  /**
   * Signing secrets, newest first. Two may be valid at once so a provider's secret can be
   * rotated without refusing traffic signed with the old one.
   */
  readonly secrets: readonly string[];
  /** Meta's subscription handshake token (hub.verify_token): chosen by the user, never defaulted. */
  readonly verifyToken?: string;
  /**
   * For a provider app shared by several tenants (one Meta app): the tenant that owns each
   * business account id (phone_number_id, page id, Instagram account id). An account not
   * listed belongs to `tenantId`.
   */
  readonly routes?: Readonly<Record<string, string>>;
  readonly createdAt: string;
}
