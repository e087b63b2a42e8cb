// The admin /config_dump's sources: resources as Envoy JSON, as the proxy was given them (the
// bootstrap file, the xDS responses), and the updates it rejected.

/** A JSON object as Envoy's proto3 JSON mapping writes one. */
export type EnvoyJson = Record<string, unknown>;

/** One xDS resource as received (its Any's "@type" included), for /config_dump. */
export interface DumpedResource {
  name: string;
  /** version_info of the response that last brought it. */
  version: string;
  resource: EnvoyJson;
  /** RFC 3339 time it last changed. */
  lastUpdated: string;
}

/** A resource whose update the proxy rejected (Envoy's UpdateFailureState), for /config_dump. */
export interface UpdateFailure {
  name: string;
  /** version_info of the rejected response. */
  version: string;
  /** The rejected resource as received. */
  resource: EnvoyJson;
  /** RFC 3339 time of the rejected update. */
  at: string;
  /** Why it was rejected (the NACK's reason for this resource). */
  details: string;
}

/** The rejected updates per kind, as the ADS client last saw them (empty once a kind is accepted). */
export interface UpdateFailures {
  listeners: UpdateFailure[];
  clusters: UpdateFailure[];
  routes: UpdateFailure[];
  endpoints: UpdateFailure[];
}

/**
 * What the admin /config_dump shows: the bootstrap and every resource as Envoy JSON, as given
 * (the file, the xDS responses), not as compiled — an Istio user's tools read Envoy's shape.
 */
export interface ConfigDumpSources {
  bootstrap: EnvoyJson;
  /** RFC 3339 time the bootstrap was loaded (the static resources' last_updated). */
  bootstrapLoadedAt: string;
  staticListeners: EnvoyJson[];
  staticClusters: EnvoyJson[];
  /** version_info of the last accepted response of each dynamic kind (absent: none yet). */
  versions?: { listeners: string; clusters: string; routes: string; endpoints: string };
  dynamic: {
    listeners: DumpedResource[];
    clusters: DumpedResource[];
    routes: DumpedResource[];
    endpoints: DumpedResource[];
  };
}
