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
  /** What sending through this endpoint needs, once its send credentials are set. */
  readonly sending?: EndpointSending;
  readonly createdAt: string;
}

/** An endpoint's sending: its credentials, sealed (adapters/credential-box.ts), and its own settings. */
export interface EndpointSending {
  /** The provider's send credentials, encrypted with the stack's send key and bound to this endpoint: only senders can open them. */
  readonly sealedCredentials: string;
  /** The address a first message goes out from when the request names none (a number, a phone number id, a page id). */
  readonly defaultFrom?: string;
  /** Messages per second (SMS: segments) per sending address, instead of the provider's documented default. */
  readonly ratePerSecond?: number;
  /** Set when the provider refused the credentials: nothing is sent until they are set again. */
  readonly pausedAt?: string;
  readonly pausedReason?: string;
  readonly updatedAt: string;
}

/** Whether `tenantId` may send through the endpoint from `businessAddress`: its own endpoint, or an account a shared app routes to it. */
export const maySendThrough = (endpoint: Endpoint, tenantId: string, businessAddress: string): boolean =>
  endpoint.routes?.[businessAddress] !== undefined ? endpoint.routes[businessAddress] === tenantId : endpoint.tenantId === tenantId;
