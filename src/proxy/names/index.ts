// One string object per cluster name, shared by the routes that name a cluster and the cluster
// manager's map of them. A request looks its route's cluster up by name; when the route's string
// and the map's key are the same object, the map's comparison is a pointer check. Equal strings
// that are distinct objects (each cut out of its own config document) are compared in V8's
// runtime, character by character, on every request: ~450 instructions of a proxied request's
// ~36,000 (docs/proxy.md, "Instructions per request").
//
// Names are kept for the life of the process: a mesh has as many as it has clusters, and a name
// that comes back with a later config finds its old object.
import { Buffer } from 'node:buffer';

const NAMES = new Map<string, string>();

/** The shared string object for the cluster name `name` (made flat, with no text behind it). */
export function clusterName(name: string): string {
  let shared = NAMES.get(name);
  if (shared === undefined) {
    // A fresh flat copy: `name` may be a slice that keeps a whole config document alive.
    shared = Buffer.from(name, 'utf8').toString('utf8');
    NAMES.set(shared, shared);
  }
  return shared;
}
